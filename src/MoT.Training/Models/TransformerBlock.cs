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

    public TransformerBlock(ModelConfig config, int index) : base(nameof(TransformerBlock))
    {
        _lnAttention = nn.LayerNorm(config.DModel);
        _attention = new CausalSelfAttention(config);
        _lnFeedForward = nn.LayerNorm(config.DModel);
        _feedForward = config.KindOfBlock(index) switch
        {
            FeedForwardKind.Dense => new DenseFeedForward(config.DModel, config.DFF, config.Activation),
            FeedForwardKind.MixtureOfTokens => new MixtureOfTokens(config.DModel, config.DFF, config.MixtureOfTokens!, config.Activation),
            FeedForwardKind.TokenChoice => new TokenChoiceMoE(config.DModel, config.DFF, config.TokenChoice!, config.Activation),
            FeedForwardKind.ExpertChoice => new ExpertChoiceMoE(config.DModel, config.DFF, config.ExpertChoice!, config.Activation),
            var other => throw new ArgumentOutOfRangeException(nameof(config), other, "unknown feed-forward kind"),
        };
        RegisterComponents();
    }

    public nn.Module<Tensor, Tensor> FeedForward => _feedForward;

    public override Tensor forward(Tensor x) => Apply(x).Output;

    /// <summary>x: (B, S, d) -> block output plus the FFN's auxiliary loss and diagnostics.</summary>
    public FeedForwardResult Apply(Tensor x)
    {
        x = x + _attention.forward(_lnAttention.forward(x));
        var ffn = ((IFeedForward)_feedForward).Apply(_lnFeedForward.forward(x));
        return ffn with { Output = x + ffn.Output };
    }
}
