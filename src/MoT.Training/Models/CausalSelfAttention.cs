using TorchSharp;
using TorchSharp.Modules;
using TorchSharp.Utils;
using static TorchSharp.torch;

namespace MoT.Training.Models;

/// <summary>Multi-head causal self-attention without biases, through scaled_dot_product_attention
/// (the fused kernel on CUDA). Optional rotary position encoding of queries and keys.</summary>
public sealed class CausalSelfAttention : nn.Module<Tensor, Tensor>
{
    [ComponentName(Name = "qkv")] private readonly Projection _qkv;     // weight (3d, d)
    [ComponentName(Name = "proj")] private readonly Projection _proj;   // weight (d, d)
    private readonly int _heads;
    private readonly RotaryEmbedding? _rotary;

    /// <param name="generator">Draws both projections by the paper's rule (fan_in = d_model; the paper's code
    /// has no GPT-2 style 1/sqrt(2 * layers) scaling of the output projection).</param>
    public CausalSelfAttention(ModelConfig config, Generator generator) : base(nameof(CausalSelfAttention))
    {
        _heads = config.Heads;
        _qkv = new Projection(config.DModel, 3 * config.DModel, generator);
        _proj = new Projection(config.DModel, config.DModel, generator);
        if (config.Positions == PositionEncoding.Rotary)
            _rotary = new RotaryEmbedding(config.DModel / config.Heads, config.ContextLength);
        RegisterComponents();
    }

    public override Tensor forward(Tensor x)
    {
        var (batch, seq, d) = (x.shape[0], x.shape[1], x.shape[2]);
        var headSize = d / _heads;
        // (B, S, 3d) -> 3 x (B, H, S, hs)
        var qkv = _qkv.forward(x).view(batch, seq, 3, _heads, headSize).permute(2, 0, 3, 1, 4);
        var (q, k, v) = (qkv[0], qkv[1], qkv[2]);
        if (_rotary is not null)
            (q, k) = (_rotary.Rotate(q), _rotary.Rotate(k));
        var attended = nn.functional.scaled_dot_product_attention(q, k, v, is_casual: true);
        // (B, H, S, hs) -> (B, S, d)
        return _proj.forward(attended.transpose(1, 2).reshape(batch, seq, d));
    }
}

/// <summary>Rotary position embedding (RoFormer): rotates channel pairs by position-dependent angles.
/// The tables are constants, not parameters: rebuilt at construction, never checkpointed.</summary>
internal sealed class RotaryEmbedding
{
    private readonly Tensor _cos;   // (S, hs/2)
    private readonly Tensor _sin;

    public RotaryEmbedding(int headSize, int maxLength)
    {
        using var scope = NewDisposeScope();
        var inverseFrequency = 1.0 / pow(10000.0, arange(0, headSize, 2, dtype: ScalarType.Float32) / headSize);
        var angles = outer(arange(maxLength, dtype: ScalarType.Float32), inverseFrequency);
        _cos = angles.cos().MoveToOuterDisposeScope();
        _sin = angles.sin().MoveToOuterDisposeScope();
        _cos = _cos.DetachFromDisposeScope();
        _sin = _sin.DetachFromDisposeScope();
    }

    /// <summary>x: (B, H, S, hs) -> same shape.</summary>
    public Tensor Rotate(Tensor x)
    {
        var seq = x.shape[2];
        var cos = _cos.narrow(0, 0, seq).to(x.dtype).to(x.device);
        var sin = _sin.narrow(0, 0, seq).to(x.dtype).to(x.device);
        var pairs = x.unflatten(-1, [x.shape[3] / 2, 2]);
        var (even, odd) = (pairs.select(-1, 0), pairs.select(-1, 1));
        return stack([even * cos - odd * sin, even * sin + odd * cos], -1).flatten(-2);
    }
}
