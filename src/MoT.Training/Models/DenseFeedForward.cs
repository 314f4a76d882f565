using TorchSharp;
using TorchSharp.Modules;
using TorchSharp.Utils;
using static TorchSharp.torch;

namespace MoT.Training.Models;

/// <summary>Standard Transformer FFN: d -> d_ff -> d, no biases (as the MoT experts).</summary>
public sealed class DenseFeedForward : nn.Module<Tensor, Tensor>, IFeedForward
{
    [ComponentName(Name = "up")] private readonly Projection _up;       // weight (d_ff, d)
    [ComponentName(Name = "down")] private readonly Projection _down;   // weight (d, d_ff)
    private readonly Activation _activation;

    /// <param name="generator">Draws the weights (paper's rule: fan_in d for up, d_ff for down); null uses a
    /// private generator seeded 0.</param>
    public DenseFeedForward(int dModel, int dFF, Activation activation, Generator? generator = null) : base(nameof(DenseFeedForward))
    {
        using var owned = generator is null ? new Generator(0) : null;
        _up = new Projection(dModel, dFF, generator ?? owned!);
        _down = new Projection(dFF, dModel, generator ?? owned!);
        _activation = activation;
        RegisterComponents();
    }

    /// <summary>Each token on its own: padding rows cannot reach real ones, so the mask is not needed.</summary>
    public FeedForwardResult Apply(Tensor x, Tensor? rowMask = null) => new(forward(x), null, null);

    public override Tensor forward(Tensor x)
    {
        using var hidden = _up.forward(x);
        using var activated = ExpertWeights.Activate(hidden, _activation);
        return _down.forward(activated);
    }
}
