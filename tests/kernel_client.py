"""Talking to a running kernel from tests: run a cell, collect what it sent."""
import time


def execute(kc, code, timeout=120, on_sent=None):
    """Runs code on the kernel client kc; returns (execute_reply, iopub messages of this request).

    on_sent, if given, is called right after the request is sent (e.g. to schedule an interrupt)."""
    msg_id = kc.execute(code)
    if on_sent:
        on_sent()
    messages = []
    deadline = time.time() + timeout
    while True:
        msg = kc.get_iopub_msg(timeout=max(1, deadline - time.time()))
        if msg["parent_header"].get("msg_id") != msg_id:
            continue
        if msg["msg_type"] == "status" and msg["content"]["execution_state"] == "idle":
            break
        messages.append(msg)
    while True:
        reply = kc.get_shell_msg(timeout=max(1, deadline - time.time()))
        if reply["parent_header"].get("msg_id") == msg_id and reply["msg_type"] == "execute_reply":
            return reply, messages
