#!/usr/bin/env python3
"""PyTorch reference of the MoT.Platform models, for `mot bench gpu` to time in the same run.

The same architecture as src/MoT.Training (TransformerLM): learned positions, pre-LayerNorm blocks,
bias-free attention through scaled_dot_product_attention, bias-free dense FFN, Mixture of Tokens in
the chosen blocks (groups of g sequences at one position, softmax over the group, one mixture per
expert, experts batched with bmm), final LayerNorm, untied head. Trains on random tokens with bf16
autocast (fp32 weights), AdamW (betas 0.9/0.999, wd 0.1), grad clip 0.5, as the C# trainer does.
Prints one JSON line: {"model", "params", "tokens_per_s", "step_ms", ...}; the C# side parses it and
compares "params" with its own count.

    python3 bench/mot_reference.py --model MoT-Medium/32E --experts 32 --group-size 32 \
        --expert-size 2048 --sparse-blocks 4,5,6,7 [--compile]
"""
import argparse
import json
import math
import sys
import time

try:
    import torch
    import torch.nn as nn
    import torch.nn.functional as F
except ImportError as error:
    sys.exit(f"error: this python has no torch ({error})")


class MixtureOfTokens(nn.Module):
    """Controller (d, E), experts W1 (E, d, es) and W2 (E, es, d); no biases; temperature 1."""

    def __init__(self, d_model, experts, group_size, expert_size, activation):
        super().__init__()
        self.group_size = group_size
        self.activation = activation
        self.controller = nn.Parameter(truncated_normal((d_model, experts), d_model))
        self.expert_in = nn.Parameter(truncated_normal((experts, d_model, expert_size), d_model))
        self.expert_out = nn.Parameter(truncated_normal((experts, expert_size, d_model), expert_size))

    def forward(self, x):
        batch, seq, d = x.shape
        g = self.group_size
        experts = self.controller.shape[1]
        groups = batch // g * seq
        # (B, S, d) -> (B/g, g, S, d) -> (S, B/g, g, d) -> (N, g, d): a group is g sequences at one position
        grouped = x.view(batch // g, g, seq, d).permute(2, 0, 1, 3).reshape(groups, g, d)
        weights = (grouped @ self.controller).softmax(dim=1)                  # (N, g, E), softmax over the group
        mixtures = weights.transpose(1, 2).bmm(grouped)                       # (N, E, d)
        per_expert = mixtures.permute(1, 0, 2)                                # (E, N, d)
        hidden = self.activation(per_expert.bmm(self.expert_in))              # (E, N, es)
        outputs = hidden.bmm(self.expert_out).permute(1, 0, 2)                # (N, E, d)
        emitted = weights.bmm(outputs)                                        # (N, g, d)
        return emitted.view(seq, batch // g, g, d).permute(1, 2, 0, 3).reshape(batch, seq, d)


class DenseFeedForward(nn.Module):
    def __init__(self, d_model, d_ff, activation):
        super().__init__()
        self.up = nn.Linear(d_model, d_ff, bias=False)
        self.down = nn.Linear(d_ff, d_model, bias=False)
        self.activation = activation

    def forward(self, x):
        return self.down(self.activation(self.up(x)))


class CausalSelfAttention(nn.Module):
    def __init__(self, d_model, heads):
        super().__init__()
        self.heads = heads
        self.qkv = nn.Linear(d_model, 3 * d_model, bias=False)
        self.proj = nn.Linear(d_model, d_model, bias=False)

    def forward(self, x):
        batch, seq, d = x.shape
        q, k, v = self.qkv(x).view(batch, seq, 3, self.heads, d // self.heads).permute(2, 0, 3, 1, 4)
        attended = F.scaled_dot_product_attention(q, k, v, is_causal=True)   # (B, H, S, hs)
        return self.proj(attended.transpose(1, 2).reshape(batch, seq, d))


class Block(nn.Module):
    def __init__(self, d_model, heads, feed_forward):
        super().__init__()
        self.ln_attention = nn.LayerNorm(d_model)
        self.attention = CausalSelfAttention(d_model, heads)
        self.ln_ffn = nn.LayerNorm(d_model)
        self.ffn = feed_forward

    def forward(self, x):
        x = x + self.attention(self.ln_attention(x))
        return x + self.ffn(self.ln_ffn(x))


class TransformerLM(nn.Module):
    def __init__(self, args):
        super().__init__()
        activation = F.relu if args.activation == "relu" else F.gelu
        sparse = set(args.sparse_blocks) if args.experts else set()

        def feed_forward(block):
            if block in sparse:
                return MixtureOfTokens(args.d_model, args.experts, args.group_size, args.expert_size, activation)
            return DenseFeedForward(args.d_model, args.d_ff, activation)

        self.token_embedding = nn.Embedding(args.vocab, args.d_model)
        self.position_embedding = nn.Embedding(args.seq, args.d_model)
        self.blocks = nn.ModuleList(Block(args.d_model, args.heads, feed_forward(i)) for i in range(args.layers))
        self.ln_final = nn.LayerNorm(args.d_model)
        self.head = nn.Linear(args.d_model, args.vocab, bias=False)
        for module in self.modules():
            if isinstance(module, (nn.Linear, nn.Embedding)):
                nn.init.normal_(module.weight, 0.0, 0.02)

    def forward(self, tokens):
        x = self.token_embedding(tokens) + self.position_embedding(torch.arange(tokens.shape[1], device=tokens.device))
        for block in self.blocks:
            x = block(x)
        return self.head(self.ln_final(x))


def truncated_normal(shape, fan_in):
    """The paper's expert init: truncated normal (cut at 2 std), std = sqrt(0.1 / fan_in)."""
    std = math.sqrt(0.1 / fan_in)
    return nn.init.trunc_normal_(torch.empty(shape), 0.0, std, -2 * std, 2 * std)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--model", default="MoT-Medium/32E", help="name printed in the result")
    parser.add_argument("--d-model", type=int, default=512)
    parser.add_argument("--layers", type=int, default=8)
    parser.add_argument("--heads", type=int, default=8)
    parser.add_argument("--d-ff", type=int, default=2048)
    parser.add_argument("--vocab", type=int, default=50257)
    parser.add_argument("--seq", type=int, default=256)
    parser.add_argument("--batch-size", type=int, default=256)
    parser.add_argument("--activation", choices=["relu", "gelu"], default="relu")
    parser.add_argument("--experts", type=int, default=0, help="0 for a dense model")
    parser.add_argument("--group-size", type=int, default=32)
    parser.add_argument("--expert-size", type=int, default=2048)
    parser.add_argument("--sparse-blocks", type=lambda s: [int(b) for b in s.split(",") if b], default=None,
                        help="comma-separated MoT blocks (default: the second half)")
    parser.add_argument("--steps", type=int, default=20)
    parser.add_argument("--warmup", type=int, default=5)
    parser.add_argument("--device", default="cuda")
    parser.add_argument("--compile", action="store_true", help="torch.compile the model")
    args = parser.parse_args()
    if args.sparse_blocks is None:
        args.sparse_blocks = list(range(args.layers // 2, args.layers))
    if args.experts and args.batch_size % args.group_size:
        sys.exit(f"error: batch size {args.batch_size} is not a multiple of the group size {args.group_size}")

    device = torch.device(args.device)
    if device.type == "cuda" and not torch.cuda.is_available():
        sys.exit("error: torch sees no CUDA device")
    torch.manual_seed(1)
    model = TransformerLM(args).to(device)
    parameters = sum(p.numel() for p in model.parameters())
    decayed = [p for p in model.parameters() if p.dim() >= 2]
    plain = [p for p in model.parameters() if p.dim() < 2]
    optimizer = torch.optim.AdamW([{"params": decayed, "weight_decay": 0.1}, {"params": plain, "weight_decay": 0.0}],
                                  lr=7e-4, betas=(0.9, 0.999), eps=1e-8)
    forward = torch.compile(model) if args.compile else model
    use_bf16 = device.type == "cuda"

    def step():
        tokens = torch.randint(0, args.vocab, (args.batch_size, args.seq + 1), device=device)
        with torch.autocast(device.type, dtype=torch.bfloat16, enabled=use_bf16):
            logits = forward(tokens[:, :-1])
        loss = F.cross_entropy(logits.float().reshape(-1, args.vocab), tokens[:, 1:].reshape(-1))
        optimizer.zero_grad(set_to_none=True)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 0.5)
        optimizer.step()
        return loss

    def synchronize():
        if device.type == "cuda":
            torch.cuda.synchronize(device)

    for _ in range(args.warmup):
        step()
    synchronize()
    if device.type == "cuda":
        torch.cuda.reset_peak_memory_stats(device)
    start = time.perf_counter()
    for _ in range(args.steps):
        loss = step()
    synchronize()
    seconds = time.perf_counter() - start
    step_ms = seconds / args.steps * 1000
    print(json.dumps({
        "model": args.model,
        "params": parameters,
        "tokens_per_s": args.batch_size * args.seq * args.steps / seconds,
        "step_ms": step_ms,
        "peak_mem_gib": torch.cuda.max_memory_allocated(device) / 2**30 if device.type == "cuda" else None,
        "loss": loss.item(),
        "compile": args.compile,
        "torch": torch.__version__,
    }), flush=True)


if __name__ == "__main__":
    main()
