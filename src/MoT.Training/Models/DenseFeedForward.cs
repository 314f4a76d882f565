using TorchSharp;
using TorchSharp.Modules;
using TorchSharp.Utils;
using static TorchSharp.torch;

namespace MoT.Training.Models;

/// <summary>Standard Transformer FFN: d -> d_ff -> d, no biases (as the MoT experts).</summary>
public sealed class DenseFeedForward : nn.Module<Tensor, Tensor>, IFeedForward
{
    [ComponentName(Name = "up")] private readonly Linear _up;
    [ComponentName(Name = "down")] private readonly Linear _down;
    private readonly Activation _activation;

    public DenseFeedForward(int dModel, int dFF, Activation activation) : base(nameof(DenseFeedForward))
    {
        _up = nn.Linear(dModel, dFF, hasBias: false);
        _down = nn.Linear(dFF, dModel, hasBias: false);
        _activation = activation;
        RegisterComponents();
    }

    public FeedForwardResult Apply(Tensor x) => new(forward(x), null, null);

    public override Tensor forward(Tensor x)
    {
        using var hidden = _up.forward(x);
        using var activated = ExpertWeights.Activate(hidden, _activation);
        return _down.forward(activated);
    }
}
