using TorchSharp;
using TorchSharp.Modules;
using TorchSharp.Utils;
using static TorchSharp.torch;

namespace MoT.Training.Models;

/// <summary>A bias-free linear map y = x W^T, W (out, in), initialised by <see cref="WeightInit"/> with
/// fan_in = in. Used instead of <c>nn.Linear</c>, whose constructor draws from the process-wide RNG.</summary>
public sealed class Projection : nn.Module<Tensor, Tensor>
{
    [ComponentName(Name = "weight")] private readonly Parameter _weight;   // (out, in), as nn.Linear stores it

    internal Projection(long inFeatures, long outFeatures, Generator generator) : base(nameof(Projection))
    {
        _weight = WeightInit.TruncatedNormal(generator, inFeatures, outFeatures, inFeatures);
        RegisterComponents();
    }

    public Parameter Weight => _weight;

    /// <summary>(..., in) -> (..., out).</summary>
    public override Tensor forward(Tensor x) => nn.functional.linear(x, _weight);
}
