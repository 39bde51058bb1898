"""The UNets of bench/UNetBench.java (dev.flowmatching.model.UNet), written in PyTorch, timed the same way.

Same architecture and parameter count (printed, and checked by bench/compare.py): sinusoidal time features
(base channels, frequencies 1000 * 10000^(-k/half)) -> Linear -> SiLU -> Linear, SiLU of the embedding once;
ResBlocks GN -> SiLU -> Conv3x3 -> + Linear(e) -> GN -> SiLU -> Conv3x3 (zero) + skip (1x1 when the channels
change); spatial self-attention GN -> 1x1 qkv -> softmax(Q^T K / sqrt(d)) V -> 1x1 (zero) + residual; stride-2
Conv3x3 down, nearest 2x + Conv3x3 up; skips concatenated on the way up (ADM's layout); output GN -> SiLU ->
Conv3x3 (zero). Training: flow matching on a linear path, AdamW with warm-up, gradient-norm clipping at 1 and
the loss read back every step, as FlowMatchingTrainer does; sampling: Euler with 10 steps. MNIST models
(tiny, small, base) run at batch 64 on 1 x 28 x 28, Flowers models (flowers-SIZE) at batch 32 on 3 x 64 x 64.

    python bench/unet.py [threads] [model]     served to bench/compare.py in turns with UNetBench (bench/serve.py)
    python bench/unet.py check FILE [model]    v of the Java UNet (bench/UNetBench.java export) against this one
"""
import json
import math
import sys

import torch
import torch.nn.functional as F
from torch import nn

import serve

# As dev.flowmatching.runtime.Torch.device(): the first GPU where there is one (CUDA_VISIBLE_DEVICES= forces the CPU).
DEVICE = torch.device("cuda:0" if torch.cuda.is_available() else "cpu")

# dev.flowmatching.model.UNetConfig.mnist(...): base, multipliers, resBlocks, attention levels, heads, emb, groups,
# dropout
CONFIGS = {
    "tiny": (8, (1, 2, 2), 1, (), 2, 32, 4, 0.0),
    "small": (16, (1, 2, 4), 1, (2,), 4, 64, 8, 0.0),
    "base": (64, (1, 2, 2), 2, (1, 2), 4, 256, 32, 0.1),
    # UNetConfig.flowers(size, 64, 0): the level at 8 x 8 (3) and at 16 x 16 (2) attend
    "flowers-tiny": (8, (1, 1, 2, 2), 1, (2, 3), 2, 32, 4, 0.0),
    "flowers-small": (16, (1, 2, 4, 6), 1, (2, 3), 4, 128, 8, 0.0),
    "flowers-base": (128, (1, 2, 2, 4), 2, (2, 3), 4, 512, 32, 0.1),
}


def images(size):
    """(channels, side, batch) of the model's workload, as UNetBench.Workload."""
    return (3, 64, 32) if size.startswith("flowers-") else (1, 28, 64)


def zero(module):
    nn.init.zeros_(module.weight)
    nn.init.zeros_(module.bias)
    return module


class ResBlock(nn.Module):
    def __init__(self, cin, cout, emb, groups, dropout):
        super().__init__()
        self.dropout = nn.Dropout(dropout)
        self.norm1, self.conv1 = nn.GroupNorm(groups, cin), nn.Conv2d(cin, cout, 3, padding=1)
        self.emb = nn.Linear(emb, cout)
        self.norm2, self.conv2 = nn.GroupNorm(groups, cout), zero(nn.Conv2d(cout, cout, 3, padding=1))
        self.skip = nn.Identity() if cin == cout else nn.Conv2d(cin, cout, 1)

    def forward(self, x, e):
        h = self.conv1(F.silu(self.norm1(x))) + self.emb(e)[:, :, None, None]
        return self.skip(x) + self.conv2(self.dropout(F.silu(self.norm2(h))))


class Attention(nn.Module):
    def __init__(self, ch, heads, groups):
        super().__init__()
        self.heads = heads
        self.norm, self.qkv, self.out = nn.GroupNorm(groups, ch), nn.Conv2d(ch, 3 * ch, 1), zero(nn.Conv2d(ch, ch, 1))

    def forward(self, x):
        b, c, h, w = x.shape
        d = c // self.heads
        q, k, v = self.qkv(self.norm(x)).reshape(b, 3 * c, h * w).chunk(3, dim=1)
        q, k, v = (a.reshape(b * self.heads, d, h * w) for a in (q, k, v))
        weights = torch.softmax(q.transpose(1, 2) @ k / math.sqrt(d), dim=-1)
        return x + self.out((v @ weights.transpose(1, 2)).reshape(b, c, h, w))


class Stage(nn.Module):
    def __init__(self, res=None, attention=None, resample=None):
        super().__init__()
        self.res, self.attention, self.resample = res, attention, resample

    def forward(self, h, e):
        if self.res is not None:
            h = self.res(h, e)
        if self.attention is not None:
            h = self.attention(h)
        if self.resample is not None:
            h = self.resample(h)
        return h


class Up(nn.Module):
    def __init__(self, ch):
        super().__init__()
        self.conv = nn.Conv2d(ch, ch, 3, padding=1)

    def forward(self, x):
        return self.conv(F.interpolate(x, scale_factor=2, mode="nearest"))


class UNet(nn.Module):
    def __init__(self, in_ch=1, base=32, mults=(1, 2, 2), blocks=1, attn=(2,), heads=4, emb=128, groups=8, dropout=0.0,
                 classes=0):
        super().__init__()
        half = base // 2
        self.register_buffer("freqs", torch.tensor([1000.0 * 10000.0 ** (-k / half) for k in range(half)]))
        self.time1, self.time2 = nn.Linear(base, emb), nn.Linear(emb, emb)
        self.classes = classes
        self.labels = nn.Embedding(classes + 1, emb) if classes > 0 else None  # one-hot x matrix in Java
        self.input = nn.Conv2d(in_ch, base, 3, padding=1)
        att = lambda level, ch: Attention(ch, heads, groups) if level in attn else None  # noqa: E731
        skips, ch = [base], base
        self.down = nn.ModuleList()
        for level, m in enumerate(mults):
            for _ in range(blocks):
                self.down.append(Stage(ResBlock(ch, base * m, emb, groups, dropout), att(level, base * m)))
                ch = base * m
                skips.append(ch)
            if level < len(mults) - 1:
                self.down.append(Stage(resample=nn.Conv2d(ch, ch, 3, stride=2, padding=1)))
                skips.append(ch)
        self.middle = nn.ModuleList([Stage(ResBlock(ch, ch, emb, groups, dropout), Attention(ch, heads, groups)),
                                     Stage(ResBlock(ch, ch, emb, groups, dropout))])
        self.up = nn.ModuleList()
        for level in reversed(range(len(mults))):
            for i in range(blocks + 1):
                res = ResBlock(ch + skips.pop(), base * mults[level], emb, groups, dropout)
                ch = base * mults[level]
                self.up.append(Stage(res, att(level, ch), Up(ch) if level > 0 and i == blocks else None))
        self.out_norm, self.output = nn.GroupNorm(groups, ch), zero(nn.Conv2d(ch, in_ch, 3, padding=1))

    def forward(self, x, t, y=None):
        a = t.reshape(-1, 1) * self.freqs.reshape(1, -1)
        e = self.time2(F.silu(self.time1(torch.cat([a.sin(), a.cos()], dim=1))))
        if self.labels is not None:
            e = e + self.labels(y if y is not None else torch.full_like(t, self.classes, dtype=torch.long))
        e = F.silu(e)
        h = self.input(x)
        skips = [h]
        for s in self.down:
            h = s(h, e)
            skips.append(h)
        for s in self.middle:
            h = s(h, e)
        for s in self.up:
            h = s(torch.cat([h, skips.pop()], dim=1), e)
        return self.output(F.silu(self.out_norm(h)))


def unet(size, classes=0):
    base, mults, blocks, attn, heads, emb, groups, dropout = CONFIGS[size]
    return UNet(images(size)[0], base, mults, blocks, attn, heads, emb, groups, dropout, classes)


def main(size):
    channels, side, batch = images(size)
    shape = (batch, channels, side, side)
    torch.manual_seed(0)
    model = unet(size).to(DEVICE)
    opt = torch.optim.AdamW(model.parameters(), lr=2e-4, weight_decay=0.0)
    sched = torch.optim.lr_scheduler.LambdaLR(opt, lambda n: min(1.0, (n + 1) / 100))
    fixed = torch.rand(shape, device=DEVICE) * 2 - 1  # timing only: any fixed batch of "images"

    def step():
        x0, x1, t = torch.randn(shape, device=DEVICE), fixed, torch.rand(batch, device=DEVICE)
        tb = t.reshape(-1, 1, 1, 1)
        loss = (model((1 - tb) * x0 + tb * x1, t) - (x1 - x0)).square().mean()
        opt.zero_grad(set_to_none=True)
        loss.backward()
        norm = torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        lv, nv = loss.item(), norm.item()
        if not (math.isfinite(lv) and math.isfinite(nv)):
            raise RuntimeError("diverged")
        opt.step()
        sched.step()

    @torch.no_grad()
    def euler(x, steps=10):
        h = 1.0 / steps
        for k in range(steps):
            x = x + h * model(x, torch.full((x.shape[0],), k * h, device=DEVICE))
        return x

    start = torch.randn(shape, device=DEVICE)
    serve.serve({f"train_step_{size}_batch_{batch}": lambda n: serve.each(n, step),
                 f"euler_10_steps_batch_{batch}": lambda n: serve.each(n, lambda: euler(start).cpu().numpy())})


def read_arrays(path):
    """The arrays of UNetBench.java's export: int32 count, then per array int32 rank, int64 dims, float32 values."""
    import numpy as np
    raw = open(path, "rb").read()
    count, at, arrays = int.from_bytes(raw[:4], "little"), 4, []
    for _ in range(count):
        rank = int.from_bytes(raw[at:at + 4], "little")
        dims = np.frombuffer(raw, "<i8", rank, at + 4).tolist()
        at += 4 + 8 * rank
        n = int(np.prod(dims)) if dims else 1
        arrays.append(torch.from_numpy(np.frombuffer(raw, "<f4", n, at).copy()).reshape(dims))
        at += 4 * n
    return arrays


def check(path, size):
    """Loads the Java UNet's weights in parameter order into the twin; prints the largest difference in v."""
    *weights, x, t, v_java = read_arrays(path)
    model = unet(size).eval()
    params = list(model.parameters())
    if len(params) != len(weights):
        sys.exit(f"unet.py: Java exported {len(weights)} parameters, the PyTorch twin has {len(params)}")
    with torch.no_grad():
        for k, (p, w) in enumerate(zip(params, weights)):
            if p.shape != w.shape:
                sys.exit(f"unet.py: parameter {k}: Java shape {tuple(w.shape)}, PyTorch {tuple(p.shape)}")
            p.copy_(w)
        v = model(x, t)
    diff = (v - v_java).abs().max().item()
    out = {"name": "java_vs_pytorch_v", "max_abs_diff": diff, "max_abs_v": v.abs().max().item(),
           "params": sum(p.numel() for p in params)}
    if torch.cuda.is_available():
        # The twin's own GPU result against its CPU one: the rounding a GPU brings (cuDNN runs convolutions in TF32
        # by default), the scale for a Java UNet that ran on the GPU.
        with torch.no_grad():
            out["gpu_vs_cpu_diff"] = (model.to(DEVICE)(x.to(DEVICE), t.to(DEVICE)).cpu() - v).abs().max().item()
    print(json.dumps(out))


if __name__ == "__main__" and len(sys.argv) > 2 and sys.argv[1] == "check":
    check(sys.argv[2], sys.argv[3] if len(sys.argv) > 3 else "small")
elif __name__ == "__main__":
    torch.set_num_threads(int(sys.argv[1]) if len(sys.argv) > 1 else torch.get_num_threads())
    main(sys.argv[2] if len(sys.argv) > 2 else "small")
