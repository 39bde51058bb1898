"""The same workloads as FlowBench.java, in PyTorch, served to bench/compare.py in turns with it (bench/serve.py).

Same model (MLP 3 x 256 on [x, sinusoidal embedding of t], SiLU), same data (two 2D Gaussians, sampled as
mean + z L^T), same loss, AdamW with warm-up and gradient-norm clipping, same Euler sampler.
"""
import math
import sys

import torch

import serve

# As dev.flowmatching.runtime.Torch.device(): the first GPU where there is one (CUDA_VISIBLE_DEVICES= forces the CPU).
DEVICE = torch.device("cuda:0" if torch.cuda.is_available() else "cpu")

FREQS = 32 // 2


class Mlp(torch.nn.Module):
    def __init__(self, dim=2, width=256, depth=3, emb=32):
        super().__init__()
        half = emb // 2
        f = [1000.0 * 10000.0 ** (-k / half) for k in range(half)]
        self.register_buffer("freqs", torch.tensor(f))
        layers, n_in = [], dim + emb
        for _ in range(depth):
            layers += [torch.nn.Linear(n_in, width), torch.nn.SiLU()]
            n_in = width
        layers.append(torch.nn.Linear(n_in, dim))
        self.net = torch.nn.Sequential(*layers)

    def forward(self, x, t):
        a = t.reshape(-1, 1) * self.freqs.reshape(1, -1)
        return self.net(torch.cat([x, a.sin(), a.cos()], dim=1))


def gaussian(n, mean):
    lt = torch.eye(2, device=DEVICE)
    return torch.randn(n, 2, device=DEVICE) @ lt + torch.tensor(mean, device=DEVICE)


def main():
    torch.manual_seed(0)
    model = Mlp().to(DEVICE)
    opt = torch.optim.AdamW(model.parameters(), lr=1e-3, weight_decay=0.0)
    sched = torch.optim.lr_scheduler.LambdaLR(opt, lambda n: min(1.0, (n + 1) / 100))

    def step():
        x0, x1 = gaussian(256, [0.0, -5.0]), gaussian(256, [5.0, 0.0])
        t = torch.rand(256, device=DEVICE)
        tb = t.reshape(-1, 1)
        xt = (1 - tb) * x0 + tb * x1
        loss = (model(xt, t) - (x1 - x0)).square().mean()
        opt.zero_grad(set_to_none=True)
        loss.backward()
        norm = torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        lv, nv = loss.item(), norm.item()
        if not (math.isfinite(lv) and math.isfinite(nv)):
            raise RuntimeError("diverged")
        opt.step()
        sched.step()

    start = gaussian(2000, [0.0, -5.0])

    @torch.no_grad()
    def euler(x, steps=100):
        h = 1.0 / steps
        for k in range(steps):
            x = x + h * model(x, torch.full((x.shape[0],), k * h, device=DEVICE))
        return x

    serve.serve({"train_step": lambda n: serve.each(n, step),
                 "euler_100_steps_2000_points": lambda n: serve.each(n, lambda: euler(start).cpu().tolist())})


if __name__ == "__main__":
    torch.set_num_threads(int(sys.argv[1]) if len(sys.argv) > 1 else torch.get_num_threads())
    main()
