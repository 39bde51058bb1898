#!/usr/bin/env node
// Runs one notebook in JupyterLab, in headless Chromium, the way a learner would (open it, Run -> Run All
// Cells), checks that it ran cleanly and that its rich outputs (tables, charts, images) really rendered, and
// takes screenshots of the result. Nothing under notebooks/ is touched: JupyterLab autosaves, so it works on a
// temporary copy.
//
//   node screenshot.mjs [NOTEBOOK] [--timeout S] [--server-timeout S] [--kernel-timeout S]
//                       [--width PX] [--height PX] [--out DIR] [--keep-tmp]
//
// NOTEBOOK is a name under notebooks/ (default 00-setup.ipynb) or a path to any .ipynb. Exit codes: 0 all
// good, 1 a check failed (cell error, output missing or not rendered), 2 bad usage, 3 JupyterLab did not come
// up, 4 the kernel did not come up, 5 the notebook did not finish in time.

import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const ROOT = path.resolve(HERE, '..', '..');
const KERNEL_NAME = 'java-flow-matching';
const KERNEL_DISPLAY = 'Java (flow matching)';
const CHROMIUM = process.env.CHROMIUM_PATH || '/usr/bin/chromium';
const CHROMIUM_FLAGS = ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
  '--disable-background-networking', '--disable-component-update', '--disable-sync'];

// What a notebook must show, beyond "no error and every cell ran". Others are checked generically: every
// output that carries a plotly figure, a PNG or an HTML table must have rendered as one.
const EXPECTED = {
  '00-setup.ipynb': { tables: 1, figures: 2 },  // the environment table; the chart (plotly or PNG) and the heatmap
};

class Failure extends Error {
  constructor(message, code = 1) { super(message); this.code = code; }
}

const t0 = Date.now();
const log = (msg) => console.log(`[${((Date.now() - t0) / 1000).toFixed(1).padStart(6)}s] ${msg}`);
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

// ---------------------------------------------------------------------------------------------- arguments

function parseArgs(argv) {
  // Timeouts: JupyterLab answers in a few seconds; the kernel (a JVM, DJL's classes) in 5-20 s on 2 cores.
  const opts = { notebook: '00-setup.ipynb', timeout: 900, serverTimeout: 90, kernelTimeout: 180, width: 1400, height: 1000,
    out: path.join(HERE, 'out'), keepTmp: false };
  const rest = [...argv];
  while (rest.length) {
    const a = rest.shift();
    const num = (name) => {
      const v = Number(rest.shift());
      if (!Number.isFinite(v) || v <= 0) throw new Failure(`${name} needs a positive number`, 2);
      return v;
    };
    if (a === '--timeout') opts.timeout = num(a);
    else if (a === '--server-timeout') opts.serverTimeout = num(a);
    else if (a === '--kernel-timeout') opts.kernelTimeout = num(a);
    else if (a === '--width') opts.width = Math.round(num(a));
    else if (a === '--height') opts.height = Math.round(num(a));
    else if (a === '--out') opts.out = path.resolve(rest.shift() ?? '');
    else if (a === '--keep-tmp') opts.keepTmp = true;
    else if (a === '-h' || a === '--help') {
      console.log(fs.readFileSync(fileURLToPath(import.meta.url), 'utf8').split('\n').slice(1, 13)
        .map((l) => l.replace(/^\/\/ ?/, '')).join('\n'));
      process.exit(0);
    } else if (a.startsWith('-')) throw new Failure(`unknown option ${a} (see --help)`, 2);
    else opts.notebook = a;
  }
  return opts;
}

// ------------------------------------------------------------------------------- cleanup, always and once

const cleanups = [];  // run last-in first-out: Chromium before JupyterLab before the temp folder
let chain = Promise.resolve();
function runCleanups() {
  chain = chain.then(async () => {
    while (cleanups.length) {
      const [what, fn] = cleanups.pop();
      try { await fn(); } catch (e) { console.error(`cleanup (${what}) failed: ${e.message}`); }
    }
  });
  return chain;
}
// Something started while a signal's cleanup runs is cleaned up at once.
function onCleanup(what, fn) {
  cleanups.push([what, fn]);
  if (stopping) runCleanups();
}
// Ctrl-C, kill, a closed terminal: clean up, then exit as the signal would have. A second signal exits at
// once (the exit hook below still kills what it can).
let stopping = null;
for (const [sig, code] of [['SIGINT', 130], ['SIGTERM', 143], ['SIGHUP', 129]]) {
  process.on(sig, () => {
    if (stopping) process.exit(code);
    stopping = { sig, code };
    console.error(`\n${sig}: shutting down JupyterLab and Chromium ...`);
    runCleanups().finally(() => process.exit(code));
  });
}
// The main flow checks this between steps, so that it does not start anything new after a signal.
const checkStop = () => { if (stopping) throw new Failure(`stopped by ${stopping.sig}`, stopping.code); };
// Last resort if the process exits before the cleanup is done: synchronous kills only.
const exitKills = new Set();
process.on('exit', () => { for (const kill of exitKills) try { kill(); } catch { /* already gone */ } });

// ------------------------------------------------------------------------------------------- JupyterLab

function freePort() {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => { const { port } = srv.address(); srv.close(() => resolve(port)); });
  });
}

// A copy of notebooks/ (plus the notebook itself when it lives elsewhere), private Jupyter settings,
// workspaces and runtime folders: no user configuration leaks in, nothing is written back.
function prepareTmp(notebookArg) {
  const inRepo = path.join(ROOT, 'notebooks', notebookArg);
  const outside = path.resolve(notebookArg);
  const source = fs.existsSync(inRepo) ? null : fs.existsSync(outside) ? outside : undefined;
  if (source === undefined) throw new Failure(`no notebook ${notebookArg} (neither under notebooks/ nor as a path)`, 2);
  const rel = source ? path.basename(source) : notebookArg;
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'fm-screenshot-'));
  const root = path.join(tmp, 'notebooks');
  fs.cpSync(path.join(ROOT, 'notebooks'), root, { recursive: true,
    filter: (src) => !src.includes('.ipynb_checkpoints') });
  if (source) fs.copyFileSync(source, path.join(root, rel));
  // No "fetch Jupyter news?" toast over the page, and no attempt to reach the internet for it.
  const settings = path.join(tmp, 'settings', '@jupyterlab', 'apputils-extension');
  fs.mkdirSync(settings, { recursive: true });
  fs.writeFileSync(path.join(settings, 'notification.jupyterlab-settings'),
    JSON.stringify({ fetchNews: 'false', checkForUpdates: false }));
  for (const d of ['workspaces', 'runtime', 'config', 'jupyter-data']) fs.mkdirSync(path.join(tmp, d));
  // The kernel's working folder is the copy: keep `../data` (datasets, checkpoints) pointing at the real one.
  if (fs.existsSync(path.join(ROOT, 'data'))) fs.symlinkSync(path.join(ROOT, 'data'), path.join(tmp, 'data'));
  return { tmp, root, rel: rel.split(path.sep).join('/') };
}

async function startJupyter(tmp, root, logFile, timeoutS) {
  const jupyter = path.join(ROOT, '.venv', 'bin', 'jupyter');
  if (!fs.existsSync(jupyter)) throw new Failure(`${jupyter} is missing: run ./setup.sh --setup-only first`, 3);
  const port = await freePort();
  const token = randomBytes(24).toString('hex');
  const args = ['lab', '--no-browser', '--ServerApp.ip=127.0.0.1', `--ServerApp.port=${port}`,
    '--ServerApp.port_retries=0',  // fail loudly rather than move to a port we do not know
    `--IdentityProvider.token=${token}`, `--ServerApp.root_dir=${root}`,
    // Safety net if this script is killed with SIGKILL: the server ends itself once idle.
    '--MappingKernelManager.cull_idle_timeout=1800', '--MappingKernelManager.cull_interval=120',
    '--MappingKernelManager.cull_connected=True', '--ServerApp.shutdown_no_activity_timeout=1800'];
  if (process.getuid?.() === 0) args.push('--allow-root');  // containers and CI run as root
  const env = { ...process.env, PYTHONUNBUFFERED: '1',
    JUPYTER_CONFIG_DIR: path.join(tmp, 'config'), JUPYTER_RUNTIME_DIR: path.join(tmp, 'runtime'),
    JUPYTER_DATA_DIR: path.join(tmp, 'jupyter-data'),  // the venv's kernelspec and labextensions are still found
    JUPYTERLAB_SETTINGS_DIR: path.join(tmp, 'settings'),
    JUPYTERLAB_WORKSPACES_DIR: path.join(tmp, 'workspaces') };
  const out = fs.openSync(logFile, 'w');
  // Own process group, so the whole tree can be signalled at once.
  const child = spawn(jupyter, args, { cwd: root, env, detached: true, stdio: ['ignore', out, out] });
  fs.closeSync(out);
  let exited = null;
  child.on('exit', (code, signal) => { exited = { code, signal }; });
  const base = `http://127.0.0.1:${port}`;
  const server = { child, base, token, port, tmp, logFile, exited: () => exited };
  exitKills.add(() => {
    for (const pid of processesMentioning(tmp)) try { process.kill(pid, 'SIGKILL'); } catch { /* gone */ }
    process.kill(-child.pid, 'SIGKILL');
  });
  onCleanup('JupyterLab', () => stopJupyter(server));

  log(`JupyterLab starting on ${base} (log: ${path.relative(process.cwd(), logFile)})`);
  const deadline = Date.now() + timeoutS * 1000;
  while (Date.now() < deadline) {
    checkStop();
    if (exited) throw new Failure(`JupyterLab exited at start (code ${exited.code}); see ${logFile}:\n${tail(logFile)}`, 3);
    try {
      const r = await api(server, '/api/status');
      if (r.ok) { log('JupyterLab answers'); return server; }
    } catch { /* not listening yet */ }
    await sleep(300);
  }
  throw new Failure(`JupyterLab did not answer within ${timeoutS} s (--server-timeout raises it); see ${logFile}:\n${tail(logFile)}`, 3);
}

function api(server, p, init = {}) {
  return fetch(server.base + p, { ...init, signal: AbortSignal.timeout(10_000),
    headers: { Authorization: `token ${server.token}`, ...(init.headers || {}) } });
}

// The kernel runs in its own session (jupyter_client starts it with setsid), so killing the server's
// process group would miss it: ask the server to shut everything down, then kill whatever still runs
// with our private runtime folder (its connection file) on its command line.
async function stopJupyter(server) {
  const { child } = server;
  let asked = false;
  if (!server.exited()) {
    try { asked = (await api(server, '/api/shutdown', { method: 'POST' })).ok; } catch { /* not listening */ }
    for (let i = 0; i < 50 && asked && !server.exited(); i++) await sleep(200);
  }
  for (const sig of ['SIGTERM', 'SIGKILL']) {
    if (server.exited()) break;
    try { process.kill(-child.pid, sig); } catch { /* gone */ }
    for (let i = 0; i < 25 && !server.exited(); i++) await sleep(200);
  }
  const strays = processesMentioning(server.tmp);
  for (const pid of strays) try { process.kill(pid, 'SIGKILL'); } catch { /* gone */ }
  if (strays.length) log(`killed ${strays.length} leftover process(es): ${strays.join(', ')}`);
  log('JupyterLab stopped');
}

function processesMentioning(text) {
  const pids = [];
  for (const d of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(d) || Number(d) === process.pid) continue;
    try {
      if (fs.readFileSync(`/proc/${d}/cmdline`, 'utf8').includes(text)) pids.push(Number(d));
    } catch { /* exited meanwhile */ }
  }
  return pids;
}

function tail(file, lines = 25) {
  const text = fs.existsSync(file) ? fs.readFileSync(file, 'utf8').trimEnd() : '';
  return text ? text.split('\n').slice(-lines).map((l) => `    ${l}`).join('\n') : '    (the log is empty)';
}

async function session(server, rel) {
  const r = await api(server, '/api/sessions');
  if (!r.ok) return null;
  return (await r.json()).find((s) => s.path === rel || s.notebook?.path === rel) ?? null;
}

// ---------------------------------------------------------------------------------------------- browser

async function startBrowser(server, opts) {
  if (!fs.existsSync(CHROMIUM)) throw new Failure(`no Chromium at ${CHROMIUM} (set CHROMIUM_PATH)`);
  // launch() gives a fresh temporary profile (user-data-dir) that Playwright deletes on close.
  // Our own signal handlers do the cleanup, in order.
  const browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: CHROMIUM_FLAGS,
    handleSIGINT: false, handleSIGTERM: false, handleSIGHUP: false, timeout: 60_000 });
  onCleanup('Chromium', async () => { await browser.close(); log('Chromium stopped'); });
  const context = await browser.newContext({ viewport: { width: opts.width, height: opts.height },
    deviceScaleFactor: 1 });
  const notes = { blocked: new Set(), console: [] };
  // Only loopback exists here; anything else would hang until a timeout, so refuse it and report it.
  await context.route((url) => !['127.0.0.1', 'localhost'].includes(url.hostname) && url.protocol.startsWith('http'),
    (route) => { notes.blocked.add(route.request().url()); return route.abort(); });
  const page = await context.newPage();
  page.on('console', (m) => { if (m.type() === 'error') notes.console.push(m.text()); });
  page.on('pageerror', (e) => notes.console.push(`page error: ${e.message}`));
  log(`Chromium ${browser.version()} up`);
  return { browser, page, notes };
}

// ------------------------------------------------------------------------------------- notebook in the UI

async function openNotebook(page, server, rel) {
  const url = `${server.base}/lab/tree/${rel.split('/').map(encodeURIComponent).join('/')}?token=${server.token}`;
  await page.goto(url, { waitUntil: 'domcontentloaded', timeout: 60_000 });
  await page.locator('.jp-NotebookPanel .jp-Notebook .jp-Cell').first().waitFor({ timeout: 90_000 });
  log(`opened ${rel}`);
}

// The notebook names its kernel, so JupyterLab normally starts it without asking. If it asks (kernelspec
// missing from the notebook, or not found), pick ours; if another kernel started, change it.
async function ensureKernel(page, server, rel, timeoutS) {
  const deadline = Date.now() + timeoutS * 1000;
  let changedAt = 0, changes = 0;
  while (Date.now() < deadline) {
    checkStop();
    const dialog = page.locator('.jp-Dialog');
    if (await dialog.count()) {
      const select = dialog.locator('select');
      if (await select.count()) {
        const labels = await select.locator('option').allTextContents();
        if (!labels.includes(KERNEL_DISPLAY)) {
          throw new Failure(`the kernel "${KERNEL_DISPLAY}" is not offered (offered: ${labels.join(', ')}); `
            + 'run ./setup.sh --setup-only', 4);
        }
        await select.selectOption({ label: KERNEL_DISPLAY });
        await dialog.locator('.jp-Dialog-button.jp-mod-accept').click();
        log(`kernel dialog answered: ${KERNEL_DISPLAY}`);
      } else {
        // Some other dialog (e.g. an error): show its text, it is the best diagnosis there is.
        const text = (await dialog.innerText()).replace(/\s+/g, ' ').slice(0, 400);
        throw new Failure(`unexpected dialog while starting the kernel: ${text}`, 4);
      }
    }
    const s = await session(server, rel).catch(() => null);
    if (s?.kernel) {
      if (s.kernel.name !== KERNEL_NAME) {
        // Open the change-kernel dialog (answered above); the switch takes a moment to show in the session.
        if (Date.now() - changedAt > 30_000) {
          if (changes++ === 2) throw new Failure(`the notebook stays on kernel ${s.kernel.name}, not ${KERNEL_NAME}`, 4);
          log(`notebook started kernel ${s.kernel.name}; changing it to ${KERNEL_DISPLAY}`);
          await page.locator('.jp-NotebookPanel-toolbar .jp-Toolbar-kernelName').click();
          changedAt = Date.now();
        }
      } else if (s.kernel.execution_state === 'idle') {
        const shown = (await page.locator('.jp-NotebookPanel-toolbar .jp-Toolbar-kernelName').innerText()).trim();
        if (shown === KERNEL_DISPLAY) { log(`kernel "${shown}" idle`); return; }
      } else if (s.kernel.execution_state === 'dead') {
        throw new Failure(`the kernel died at start; the end of ${server.logFile}:\n${tail(server.logFile)}`, 4);
      }
    }
    await sleep(500);
  }
  throw new Failure(`the kernel "${KERNEL_DISPLAY}" did not come up within ${timeoutS} s (--kernel-timeout raises it); `
    + `the end of ${server.logFile}:\n${tail(server.logFile)}`, 4);
}

async function menu(page, top, item) {
  await page.locator('#jp-MainMenu .lm-MenuBar-itemLabel', { hasText: new RegExp(`^${top}$`) }).click();
  await page.locator('.lm-Menu:visible .lm-Menu-itemLabel', { hasText: new RegExp(`^${item}$`) }).first().click();
}

// One poll of the notebook's state, from the page: prompts, running cells.
function notebookState(page) {
  return page.evaluate(() => {
    const cells = [...document.querySelectorAll('.jp-NotebookPanel:not(.lm-mod-hidden) .jp-Notebook .jp-CodeCell')];
    const prompts = cells.map((c) => (c.querySelector('.jp-InputArea-prompt')?.textContent || '').trim());
    const status = document.querySelector('.jp-NotebookPanel:not(.lm-mod-hidden) .jp-Notebook-ExecutionIndicator')
      ?.getAttribute('data-status');
    return { prompts, status };
  });
}

async function runAll(page, server, rel, timeoutS) {
  // Outputs saved in the file would look like a finished run: start from a clean page.
  await menu(page, 'Edit', 'Clear Outputs of All Cells');
  await menu(page, 'Run', 'Run All Cells');
  const started = Date.now();
  log('Run -> Run All Cells');
  if (!(await notebookState(page)).prompts.length) return [];  // only markdown: nothing to wait for
  let sawWork = false, quiet = 0, lastReport = 0;
  while (Date.now() - started < timeoutS * 1000) {
    checkStop();
    const { prompts, status } = await notebookState(page);
    const running = prompts.filter((p) => p.includes('*')).length;
    const done = prompts.filter((p) => /^\[\d+\]:?$/.test(p)).length;
    if (running || done) sawWork = true;
    const s = await session(server, rel).catch(() => null);
    if (s?.kernel?.execution_state === 'dead') throw new Failure('the kernel died while running the notebook', 1);
    const idle = s?.kernel?.execution_state === 'idle' && status !== 'busy';
    // Finished = work seen, nothing queued or running, kernel idle, and still so a second later.
    quiet = sawWork && !running && idle ? quiet + 1 : 0;
    if (quiet >= 3) {
      log(`finished in ${((Date.now() - started) / 1000).toFixed(1)} s: ${done}/${prompts.length} code cells ran`);
      return prompts;
    }
    if (Date.now() - lastReport > 15_000) {
      lastReport = Date.now();
      log(`  running: ${done}/${prompts.length} cells done, ${running} queued or running`);
    }
    await sleep(500);
  }
  throw new Failure(`the notebook did not finish within ${timeoutS} s (--timeout raises it)`, 5);
}

// Save (the temporary copy) and read the notebook back through the server: the outputs as nbformat
// says them, to tell errors from plain stderr and to know which mime types each output carries.
async function savedNotebook(page, server, rel) {
  const before = (await (await api(server, `/api/contents/${encodeURI(rel)}?content=0`)).json()).last_modified;
  await menu(page, 'File', 'Save Notebook');
  for (let i = 0; i < 60; i++) {
    const r = await api(server, `/api/contents/${encodeURI(rel)}?content=1`);
    const j = await r.json();
    if (j.last_modified !== before) return j.content;
    await sleep(250);
  }
  throw new Failure('could not save the notebook copy to inspect its outputs');
}

// ------------------------------------------------------------------------------------------------ checks

// The outputs as saved: errors, stderr, and which mime types each output carries.
function inspectModel(nb) {
  const found = { errors: [], stderr: [], tables: 0, plotly: 0, png: 0, outputs: [] };
  nb.cells.filter((c) => c.cell_type === 'code').forEach((cell, i) => {
    for (const o of cell.outputs || []) {
      const mimes = o.data ? Object.keys(o.data) : [o.output_type === 'stream' ? `stream:${o.name}` : o.output_type];
      found.outputs.push({ cell: i + 1, mimes, metadata: o.metadata || {} });
      if (o.output_type === 'error') found.errors.push({ cell: i + 1, ename: o.ename, evalue: o.evalue });
      if (o.output_type === 'stream' && o.name === 'stderr') found.stderr.push({ cell: i + 1, text: [].concat(o.text).join('') });
      if (!o.data) continue;
      if (o.data['application/vnd.plotly.v1+json']) found.plotly++;
      else if (o.data['image/png']) found.png++;
      if (/<table/i.test([].concat(o.data['text/html'] || '').join(''))) found.tables++;
    }
  });
  return found;
}

// What the page shows. jupyterlab-plotly (rank 2, ahead of image/png) renders a bundle that also carries a
// PNG as that PNG, and swaps in the live plotly.js chart when the mouse first enters it.
function inspectPage(page) {
  return page.evaluate(() => {
    const panel = document.querySelector('.jp-NotebookPanel:not(.lm-mod-hidden)');
    const shown = (el) => el && getComputedStyle(el).display !== 'none' && el.getBoundingClientRect().width > 50;
    const r = { tables: 0, plotly: 0, plotlyLive: 0, plotlyAsPng: 0, images: 0, imagesBroken: 0, longText: [] };
    // The renderer's own node carries .jp-OutputArea-output, so look at it as well as inside it.
    const all = (o, sel) => [...(o.matches(sel) ? [o] : []), ...o.querySelectorAll(sel)];
    panel.querySelectorAll('.jp-OutputArea-output').forEach((o, i) => {
      r.tables += all(o, 'table').length;
      for (const p of all(o, '.jp-RenderedPlotly')) {
        r.plotly++;
        if (shown(p.querySelector('.plot-container .main-svg')) && p.querySelector('.scatterlayer .trace')) r.plotlyLive++;
        else if (shown(p.querySelector('img.plot-img')) && p.querySelector('img.plot-img').naturalWidth) r.plotlyAsPng++;
      }
      for (const img of o.querySelectorAll('img:not(.plot-img)')) {
        r.images++;
        if (!img.complete || img.naturalWidth === 0) r.imagesBroken++;
      }
      // A "wall of text": plain-text output that is very long or has very long lines.
      const pre = o.querySelector('pre');
      if (pre) {
        const lines = pre.textContent.split('\n');
        const widest = Math.max(...lines.map((l) => l.length));
        if (lines.length > 40 || widest > 200) r.longText.push({ output: i + 1, lines: lines.length, widest });
      }
    });
    return r;
  });
}

// Hover each plotly output: the live chart must replace the PNG, and a hover label must appear over a trace.
async function activatePlotly(page, shot) {
  const charts = page.locator('.jp-NotebookPanel:not(.lm-mod-hidden) .jp-RenderedPlotly');
  const results = [];
  for (let i = 0; i < await charts.count(); i++) {
    const chart = charts.nth(i);
    await chart.scrollIntoViewIfNeeded();
    const box = await chart.boundingBox();
    await page.mouse.move(box.x + box.width / 2, box.y + box.height / 2);
    let live = true;
    try {
      await chart.locator('.plot-container .main-svg').first().waitFor({ state: 'visible', timeout: 30_000 });
      await page.waitForTimeout(500);
    } catch { live = false; }
    let label = false;
    if (live) {
      await page.mouse.move(0, 0);  // no hover label in the plain picture
      await page.waitForTimeout(300);
      await shot(`plotly-${i + 1}-live`, chart);
      // Sweep across the plot area until plotly shows a hover label.
      const area = await chart.locator('.nsewdrag').first().boundingBox();
      for (const fx of [0.5, 0.3, 0.7, 0.1, 0.9]) {
        if (!area) break;
        await page.mouse.move(area.x + area.width * fx, area.y + area.height * 0.5);
        await page.waitForTimeout(400);
        if (await chart.locator('.hoverlayer .hovertext').count()) { label = true; break; }
      }
      if (label) await shot(`plotly-${i + 1}-hover`, chart);
      await page.mouse.move(0, 0);
    }
    results.push({ live, label });
  }
  return results;
}

function checkAll(rel, prompts, model, before, plotly) {
  const problems = [], warnings = [];
  const notRun = prompts.map((p, i) => [p, i + 1]).filter(([p]) => !/^\[\d+\]:?$/.test(p)).map(([, i]) => i);
  for (const e of model.errors) problems.push(`code cell ${e.cell} failed: ${e.ename}: ${e.evalue}`);
  if (notRun.length) problems.push(`code cell(s) ${notRun.join(', ')} did not run`);
  if (before.tables < model.tables) problems.push(`${model.tables} HTML table(s) in the outputs, ${before.tables} on the page`);
  if (before.imagesBroken) problems.push(`${before.imagesBroken} image(s) failed to load`);
  // Every figure visible: plotly outputs as PNG or live chart (or, without the extension, as a plain image).
  const figures = before.plotlyAsPng + before.plotlyLive + before.images - before.imagesBroken;
  if (figures < model.plotly + model.png) {
    problems.push(`${model.plotly + model.png} figure output(s), but only ${figures} visible on the page`);
  }
  if (model.plotly && !before.plotly) {
    warnings.push('JupyterLab did not use the plotly renderer (showed the PNG): is jupyterlab-plotly in '
      + '`.venv/bin/jupyter labextension list`?');
  }
  plotly.forEach((p, i) => {
    if (!p.live) problems.push(`plotly chart ${i + 1} did not turn into a live chart when hovered`);
    else if (!p.label) warnings.push(`plotly chart ${i + 1}: no hover label seen`);
  });
  const want = EXPECTED[path.basename(rel)];
  if (want) {
    if (before.tables < want.tables) problems.push(`expected ${want.tables} table(s), saw ${before.tables}`);
    if (figures < want.figures) problems.push(`expected ${want.figures} figure(s) (charts, images), saw ${figures}`);
  }
  return { problems, warnings };
}

// ----------------------------------------------------------------------------------------------- pictures

function shooter(page, opts, stem) {
  fs.mkdirSync(opts.out, { recursive: true });
  for (const f of fs.readdirSync(opts.out)) if (f.startsWith(`${stem}-`) && f.endsWith('.png')) fs.rmSync(path.join(opts.out, f));
  const files = [];
  const shot = async (name, target = page, extra = {}) => {
    const file = path.join(opts.out, `${stem}-${name}.png`);
    await target.screenshot({ path: file, animations: 'disabled', caret: 'hide', ...extra });
    files.push(file);
  };
  return { files, shot };
}

const SCROLLER = '.jp-NotebookPanel:not(.lm-mod-hidden) .jp-WindowedPanel-outer';
const scrollTo = (page, top) => page.evaluate(([sel, y]) => { document.querySelector(sel).scrollTop = y; }, [SCROLLER, top]);
const settle = async (page) => { await page.waitForTimeout(600); await page.evaluate(() => document.fonts.ready); };

// The notebook scrolls inside its own panel, so a plain full-page screenshot shows one screenful. Instead:
// (1) grow the viewport until the whole notebook fits and take one tall picture, (2) go back to a laptop-sized
// viewport and take one picture per screenful, as a learner scrolls, (3) crop each rich output.
async function pageShots(page, opts, shot) {
  const geom = () => page.evaluate((sel) => {
    const s = document.querySelector(sel);
    const cells = s.querySelectorAll('.jp-Cell');
    const last = cells[cells.length - 1].getBoundingClientRect();
    return { scrollHeight: s.scrollHeight, clientHeight: s.clientHeight, lastBottom: last.bottom };
  }, SCROLLER);
  await scrollTo(page, 0);

  // (1) one tall picture, cut below the last cell (JupyterLab leaves room to scroll past the end).
  // Chromium captures at most 16384 px in one go.
  let g = await geom();
  await page.setViewportSize({ width: opts.width, height: Math.min(16000, opts.height + g.scrollHeight - g.clientHeight) });
  await settle(page);
  g = await geom();
  const fullHeight = Math.ceil(g.lastBottom) + 30;
  if (fullHeight > 16000) log(`the notebook is ${fullHeight} px tall: full.png shows its first 16000 px, the screen-NN pictures all of it`);
  await shot('full', page, { clip: { x: 0, y: 0, width: opts.width, height: Math.min(16000, fullHeight) } });

  // (2) screenfuls, with some overlap so that nothing falls between two pictures
  await page.setViewportSize({ width: opts.width, height: opts.height });
  await settle(page);
  g = await geom();
  const step = Math.max(200, Math.floor(g.clientHeight * 0.85));
  const end = g.lastBottom - (await page.evaluate((sel) => document.querySelector(sel).getBoundingClientRect().top, SCROLLER));
  for (let y = 0, n = 1; ; y += step, n++) {
    await scrollTo(page, y);
    await settle(page);
    await shot(`screen-${String(n).padStart(2, '0')}`);
    if (y + g.clientHeight >= end + 30) break;
  }

  // (3) each rich output on its own, as first shown (a plotly chart is still its PNG here)
  const rich = page.locator('.jp-NotebookPanel:not(.lm-mod-hidden) .jp-OutputArea-output:has(table, img)');
  for (let i = 0; i < await rich.count(); i++) {
    const el = rich.nth(i);
    const kind = await el.evaluate((o) => (o.matches('.jp-RenderedPlotly') ? 'plotly'
      : o.querySelector('table') ? 'table' : 'image'));
    await el.scrollIntoViewIfNeeded();
    await settle(page);
    await shot(`output-${String(i + 1).padStart(2, '0')}-${kind}`, el);
  }
}

// ---------------------------------------------------------------------------------------------------- main

async function main() {
  const opts = parseArgs(process.argv.slice(2));
  const { tmp, root, rel } = prepareTmp(opts.notebook);
  const removeTmp = () => { if (!opts.keepTmp) fs.rmSync(tmp, { recursive: true, force: true }); };
  exitKills.add(removeTmp);
  onCleanup('temp folder', removeTmp);
  fs.mkdirSync(opts.out, { recursive: true });
  const stem = path.basename(rel, '.ipynb');
  const logFile = path.join(opts.out, `${stem}-jupyter.log`);

  const server = await startJupyter(tmp, root, logFile, opts.serverTimeout);
  checkStop();
  const { page, notes } = await startBrowser(server, opts);
  checkStop();
  await openNotebook(page, server, rel);
  await ensureKernel(page, server, rel, opts.kernelTimeout);
  checkStop();
  const prompts = await runAll(page, server, rel, opts.timeout);
  const model = inspectModel(await savedNotebook(page, server, rel));

  checkStop();
  const { files, shot } = shooter(page, opts, stem);
  await page.mouse.move(0, 0);
  await settle(page);
  const before = await inspectPage(page);
  await pageShots(page, opts, shot);
  const plotly = await activatePlotly(page, shot);
  const after = await inspectPage(page);
  const { problems, warnings } = checkAll(rel, prompts, model, before, plotly);

  const plotlyLine = !model.plotly ? 'no plotly output in this notebook'
    : !before.plotly ? 'NOT used: JupyterLab showed the PNG with its plain image renderer'
      : `jupyterlab-plotly renders ${before.plotly} chart(s): first as the output's PNG (${before.plotlyAsPng} shown), `
        + `live plotly.js once hovered (${after.plotlyLive} drawn, ${plotly.filter((p) => p.label).length} with a hover label)`;
  const report = [
    `notebook      ${rel} on kernel "${KERNEL_DISPLAY}", ${prompts.length} code cells`,
    `outputs       ${model.outputs.map((o) => `cell ${o.cell}: ${o.mimes.join('+')}`).join('; ')}`,
    `page shows    ${before.tables} table(s), ${before.images} image(s), ${before.plotly} plotly chart(s)`,
    `plotly        ${plotlyLine}`,
  ];
  if (model.stderr.length) report.push(`stderr        ${model.stderr.map((e) => `cell ${e.cell}: ${e.text.trim().split('\n')[0].slice(0, 120)}`).join(' | ')}`);
  const meta = model.outputs.filter((o) => Object.keys(o.metadata).length);
  if (meta.length) report.push(`metadata      ${meta.map((o) => `cell ${o.cell}: ${JSON.stringify(o.metadata).slice(0, 120)}`).join('; ')}`);
  if (after.longText.length) report.push(`long text     ${after.longText.map((t) => `output ${t.output}: ${t.lines} lines, widest ${t.widest} chars`).join('; ')}`);
  if (notes.blocked.size) report.push(`blocked       the page tried to reach: ${[...notes.blocked].slice(0, 5).join(', ')}`);
  if (notes.console.length) report.push(`console       ${notes.console.slice(0, 5).map((m) => m.slice(0, 160)).join(' | ')}`);
  for (const w of warnings) report.push(`WARNING       ${w}`);
  console.log(report.join('\n'));
  console.log('screenshots:');
  for (const f of files) console.log(`  ${f}`);
  if (problems.length) throw new Failure(`the notebook did not pass:\n  - ${problems.join('\n  - ')}`);
  log('all checks passed');
}

let exitCode = 0;
try {
  await main();
} catch (e) {
  exitCode = e instanceof Failure ? e.code : 1;
  // After a signal, whatever broke is the cleanup's doing: say nothing more.
  if (!stopping) console.error(`\nFAILED: ${e instanceof Failure ? e.message : e.stack || e}`);
} finally {
  await runCleanups();
}
if (stopping) process.exit(stopping.code);
log(`done (exit ${exitCode})`);
process.exit(exitCode);
