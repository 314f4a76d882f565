using MoT.Training.Models;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace MoT.Training.Training;

/// <summary>AdamW with the usual two parameter groups: weight decay on matrices (weights, experts,
/// controller), none on vectors (LayerNorm gains/biases, temperature).</summary>
public static class OptimizerFactory
{
    public static AdamW Create(IEnumerable<(string Name, Parameter Parameter)> parameters, TrainingConfig config)
    {
        var all = parameters.ToList();
        var decayed = all.Where(p => p.Parameter.dim() >= 2).Select(p => p.Parameter).ToList();
        var plain = all.Where(p => p.Parameter.dim() < 2).Select(p => p.Parameter).ToList();
        var groups = new List<AdamW.ParamGroup>
        {
            new(decayed, config.LearningRate, config.Beta1, config.Beta2, 1e-8, config.WeightDecay, false, false),
            new(plain, config.LearningRate, config.Beta1, config.Beta2, 1e-8, 0.0, false, false),
        };
        return optim.AdamW(groups, config.LearningRate, config.Beta1, config.Beta2, 1e-8, config.WeightDecay, false, false);
    }

    public static void SetLearningRate(AdamW optimizer, double learningRate)
    {
        foreach (var group in optimizer.ParamGroups) group.LearningRate = learningRate;
    }

    /// <summary>Scales gradients so their global L2 norm is at most <paramref name="maxNorm"/> and returns
    /// the norm before clipping, as a device tensor (no host sync, unlike a double-returning clip).</summary>
    public static Tensor ClipGradientNorm(IReadOnlyList<Parameter> parameters, double maxNorm)
    {
        var grads = parameters.Where(p => p.grad is not null).Select(p => p.grad!).ToArray();
        var total = stack(grads.Select(g => g.detach().norm().to(ScalarType.Float32)).ToArray()).norm();
        var scale = (maxNorm / (total + 1e-6)).clamp_max(1.0);
        using (no_grad())
            foreach (var grad in grads) grad.mul_(scale.to(grad.dtype));
        return total;
    }
}
