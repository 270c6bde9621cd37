# The PyTorch peers of our networks, for speed comparisons only (random weights): one home for every
# PyTorch architecture the benches time (bench/lib/torch.ts builds the job and reads the result).
#
#   python3 bench/lib/torch_models.py '<job json>'
#   job = {"batch": 32, "size": 112, "steps": 3, "min_seconds": 0, "warmup": 1, "device": "cpu" (or "cuda"),
#          "models": [{"name": "small", "arch": {...}, "modes": ["train", "infer"]}, ...]}
#   arch = {"kind": "resnet", "stem": {"filters", "kernel", "stride", "maxpool"}, "block": "basic"|"bottleneck",
#           "stages": [{"filters", "blocks", "stride"}], "shared_va": true, "bn_eps": 1e-3}
#        | {"kind": "face", "channels": [32, 64, 128, 256]}
#   modes: train  (one Adam step: forward in training mode, 8·BCE(AU) + CE(EXPR) + CE(V) + CE(A), backward, update)
#          infer  (forward in eval mode under torch.inference_mode)
#          frozen (the frozen-backbone step: backbone features in inference mode + a heads-only Adam step)
#   "profile": true adds each row's top operators of one training step (torch.profiler, self CPU time)
#   as "profile": [{"op", "ms", "share"}].
# Prints one line: RESULT {"version", "threads", "rows": [{"name", "trainMs", "trainCpuMs", "inferMs", "inferCpuMs"}]}
# (medians over `steps` timed steps after `warmup` untimed ones, more (up to 50) until the timed ones
# took `min_seconds`; CPU = process time, all threads).
#
# The layers mirror src/ml/models (resnet.ts, face.ts, heads.ts): convolutions without bias before
# batch norm, 'same' padding, basic blocks with the stride on the first 3×3 conv and a 1×1 conv + BN
# projection when the shape changes, no max-pool after the stem unless asked (train-step's layout);
# the face trunk is face-api's FaceFeatureExtractor (4 dense blocks of depthwise-separable convs,
# the first conv of block 0 a plain 3×3/2 conv with bias, no batch norm); heads per task
# BN → FC128 → ReLU → BN → FC, the VA hidden layer shared by the V and A logits. Input normalisation
# is an affine layer as ours (its constants do not change the speed).
import json
import sys
import time

import torch
import torch.nn as nn
import torch.nn.functional as F

HEADS = {"au": 8, "expr": 7, "v": 20, "a": 20}


class InputNorm(nn.Module):
    def __init__(self):
        super().__init__()
        self.register_buffer("scale", torch.tensor([4.37, 4.46, 4.44]).view(1, 3, 1, 1))
        self.register_buffer("shift", torch.tensor([-2.12, -2.04, -1.80]).view(1, 3, 1, 1))

    def forward(self, x):
        return x * self.scale + self.shift


def conv_bn(cin, cout, k, stride, eps, relu=True):
    layers = [nn.Conv2d(cin, cout, k, stride, k // 2, bias=False), nn.BatchNorm2d(cout, eps=eps, momentum=0.1)]
    if relu:
        layers.append(nn.ReLU())
    return nn.Sequential(*layers)


class Block(nn.Module):
    def __init__(self, cin, filters, stride, kind, eps):
        super().__init__()
        cout = filters if kind == "basic" else 4 * filters
        if kind == "basic":
            self.body = nn.Sequential(conv_bn(cin, filters, 3, stride, eps), conv_bn(filters, filters, 3, 1, eps, relu=False))
        else:
            self.body = nn.Sequential(
                conv_bn(cin, filters, 1, 1, eps), conv_bn(filters, filters, 3, stride, eps), conv_bn(filters, cout, 1, 1, eps, relu=False)
            )
        self.short = conv_bn(cin, cout, 1, stride, eps, relu=False) if stride != 1 or cin != cout else nn.Identity()
        self.cout = cout

    def forward(self, x):
        return F.relu(self.body(x) + self.short(x))


class ResNetTrunk(nn.Module):
    def __init__(self, arch):
        super().__init__()
        eps = arch.get("bn_eps", 1e-3)
        s = arch["stem"]
        layers = [InputNorm(), conv_bn(3, s["filters"], s["kernel"], s["stride"], eps)]
        if s.get("maxpool"):
            layers.append(nn.MaxPool2d(3, 2, 1))
        cin = s["filters"]
        for st in arch["stages"]:
            for b in range(st["blocks"]):
                blk = Block(cin, st["filters"], st["stride"] if b == 0 else 1, arch["block"], eps)
                layers.append(blk)
                cin = blk.cout
        self.body = nn.Sequential(*layers)
        self.dim = cin

    def forward(self, x):
        return self.body(x).mean((2, 3))


def sep_conv(cin, cout, stride):
    return nn.Sequential(nn.Conv2d(cin, cin, 3, stride, 1, groups=cin, bias=False), nn.Conv2d(cin, cout, 1, bias=True))


class DenseBlock(nn.Module):
    def __init__(self, cin, cout, first):
        super().__init__()
        self.conv0 = nn.Conv2d(cin, cout, 3, 2, 1, bias=True) if first else sep_conv(cin, cout, 2)
        self.sep = nn.ModuleList([sep_conv(cout, cout, 1) for _ in range(3)])

    def forward(self, x):
        outs = [F.relu(self.conv0(x))]
        for k, sep in enumerate(self.sep):
            inp = outs[0] if k == 0 else F.relu(sum(outs))
            outs.append(sep(inp))
        return F.relu(sum(outs))


class FaceTrunk(nn.Module):
    def __init__(self, arch):
        super().__init__()
        chans = arch["channels"]
        blocks, cin = [InputNorm()], 3
        for i, c in enumerate(chans):
            blocks.append(DenseBlock(cin, c, i == 0))
            cin = c
        self.body = nn.Sequential(*blocks)
        self.dim = cin

    def forward(self, x):
        return self.body(x).mean((2, 3))


class Heads(nn.Module):
    def __init__(self, dim, shared_va, eps):
        super().__init__()

        def hidden():
            return nn.Sequential(nn.BatchNorm1d(dim, eps=eps), nn.Linear(dim, 128), nn.ReLU(), nn.BatchNorm1d(128, eps=eps))

        self.shared_va = shared_va
        names = ["au", "expr", "va"] if shared_va else ["au", "expr", "v", "a"]
        self.hidden = nn.ModuleDict({n: hidden() for n in names})
        self.out = nn.ModuleDict({n: nn.Linear(128, k) for n, k in HEADS.items()})

    def forward(self, f):
        h = {n: m(f) for n, m in self.hidden.items()}
        src = lambda n: h["va"] if self.shared_va and n in ("v", "a") else h[n]  # noqa: E731
        return [self.out[n](src(n)) for n in HEADS]


def build(arch):
    trunk = FaceTrunk(arch) if arch["kind"] == "face" else ResNetTrunk(arch)
    heads = Heads(trunk.dim, arch.get("shared_va", True), arch.get("bn_eps", 1e-3))
    return trunk, heads


def targets(batch):
    return (
        torch.randint(0, 2, (batch, 8)).float(),
        torch.randint(0, 7, (batch,)),
        torch.randint(0, 20, (batch,)),
        torch.randint(0, 20, (batch,)),
    )


def loss_of(o, t):
    return 8 * F.binary_cross_entropy_with_logits(o[0], t[0]) + F.cross_entropy(o[1], t[1]) + F.cross_entropy(o[2], t[2]) + F.cross_entropy(o[3], t[3])


def timed(fn, steps, warmup, sync, min_seconds):
    for _ in range(warmup):
        fn()
    sync()
    walls, cpus = [], []
    start = time.perf_counter()
    while len(walls) < steps or (len(walls) < 50 and time.perf_counter() - start < min_seconds):
        w, c = time.perf_counter(), time.process_time()
        fn()
        sync()
        walls.append((time.perf_counter() - w) * 1000)
        cpus.append((time.process_time() - c) * 1000)
    med = lambda xs: sorted(xs)[len(xs) // 2]  # noqa: E731
    return med(walls), med(cpus)


def profile(fn, top=6):
    from torch.profiler import ProfilerActivity, profile as prof

    with prof(activities=[ProfilerActivity.CPU]) as p:
        fn()
    ops = [(e.key, e.self_cpu_time_total / 1000) for e in p.key_averages()]
    total = sum(ms for _, ms in ops) or 1
    ops.sort(key=lambda o: -o[1])
    return [{"op": k, "ms": ms, "share": ms / total} for k, ms in ops[:top]]


def run_model(m, job):
    batch, size, steps, warmup = job["batch"], job["size"], job["steps"], job.get("warmup", 1)
    min_seconds = job.get("min_seconds", 0)
    dev = torch.device(job.get("device", "cpu"))
    sync = (lambda: torch.cuda.synchronize()) if dev.type == "cuda" else (lambda: None)  # noqa: E731
    torch.manual_seed(0)
    trunk, heads = (mod.to(dev) for mod in build(m["arch"]))
    x = torch.rand(batch, 3, size, size, device=dev)
    t = tuple(v.to(dev) for v in targets(batch))
    row = {"name": m["name"]}
    if "train" in m["modes"]:
        trunk.train()
        heads.train()
        opt = torch.optim.Adam(list(trunk.parameters()) + list(heads.parameters()), 1e-4)

        def step():
            opt.zero_grad()
            loss = loss_of(heads(trunk(x)), t)
            loss.backward()
            opt.step()

        row["trainMs"], row["trainCpuMs"] = timed(step, steps, warmup, sync, min_seconds)
        if job.get("profile"):
            row["profile"] = profile(step)
    if "frozen" in m["modes"]:
        trunk.eval()
        heads.train()
        opt = torch.optim.Adam(heads.parameters(), 1e-4)

        def frozen_step():
            with torch.inference_mode():
                f = trunk(x)
            opt.zero_grad()
            loss = loss_of(heads(f.clone()), t)
            loss.backward()
            opt.step()

        row["trainMs"], row["trainCpuMs"] = timed(frozen_step, steps, warmup, sync, min_seconds)
    if "infer" in m["modes"]:
        trunk.eval()
        heads.eval()

        def infer():
            with torch.inference_mode():
                heads(trunk(x))

        row["inferMs"], row["inferCpuMs"] = timed(infer, steps, warmup, sync, min_seconds)
    return row


def main():
    job = json.loads(sys.argv[1])
    if job.get("threads"):
        torch.set_num_threads(int(job["threads"]))
    rows = [run_model(m, job) for m in job["models"]]
    print("RESULT " + json.dumps({"version": torch.__version__, "threads": torch.get_num_threads(), "rows": rows}), flush=True)


if __name__ == "__main__":
    main()
