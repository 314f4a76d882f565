using TorchSharp;
using TorchSharp.Modules;
using TorchSharp.Utils;
using static TorchSharp.torch;

namespace MoT.Training.Models;

/// <summary>Pre-LayerNorm decoder block: x + attn(ln(x)), then x + ffn(ln(x)).</summary>
public sealed class TransformerBlock : nn.Module<Tensor, Tensor>
{
    [ComponentName(Name = "ln_attention")] private readonly LayerNorm _lnAttention;
    [ComponentName(Name = "attention")] private readonly CausalSelfAttention _attention;
    [ComponentName(Name = "ln_ffn")] private readonly LayerNorm _lnFeedForward;
    [ComponentName(Name = "ffn")] private readonly nn.Module<Tensor, Tensor> _feedForward;

    /// <param name="generator">The model's private generator: every weight of the block is drawn from it, in
    /// construction order. LayerNorms start at gain 1, bias 0 (PyTorch's and the paper's code's default; no draw).</param>
    public TransformerBlock(ModelConfig config, int index, Generator generator) : base(nameof(TransformerBlock))
    {
        _lnAttention = nn.LayerNorm(config.DModel);
        _attention = new CausalSelfAttention(config, generator);
        _lnFeedForward = nn.LayerNorm(config.DModel);
        _feedForward = config.KindOfBlock(index) switch
        {
            FeedForwardKind.Dense => new DenseFeedForward(config.DModel, config.DFF, config.Activation, generator),
            FeedForwardKind.MixtureOfTokens => new MixtureOfTokens(config.DModel, config.DFF, config.MixtureOfTokens!, config.Activation, generator),
            FeedForwardKind.TokenChoice => new TokenChoiceMoE(config.DModel, config.DFF, config.TokenChoice!, config.Activation, generator),
            FeedForwardKind.ExpertChoice => new ExpertChoiceMoE(config.DModel, config.DFF, config.ExpertChoice!, config.Activation, generator),
            var other => throw new ArgumentOutOfRangeException(nameof(config), other, "unknown feed-forward kind"),
        };
        RegisterComponents();
    }

    public nn.Module<Tensor, Tensor> FeedForward => _feedForward;

    public override Tensor forward(Tensor x) => Apply(x, rowMask: null).Output;

    /// <summary>x: (B, S, d) -> block output plus the FFN's auxiliary loss and diagnostics.
    /// Attention never looks across rows; <paramref name="rowMask"/> (B, bool) goes to the FFN, where
    /// sparse layers mix or route across rows.</summary>
    public FeedForwardResult Apply(Tensor x, Tensor? rowMask)
    {
        x = x + _attention.forward(_lnAttention.forward(x));
        var ffn = ((IFeedForward)_feedForward).Apply(_lnFeedForward.forward(x), rowMask);
        return ffn with { Output = x + ffn.Output };
    }
}
