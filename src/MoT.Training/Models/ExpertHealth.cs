using static TorchSharp.torch;

namespace MoT.Training.Models;

/// <summary>One expert tensor of a sparse block: rank of every expert's matrix and how far apart the experts are.</summary>
/// <param name="Name">State-dict name, e.g. <c>blocks.2.ffn.expert_in</c>.</param>
/// <param name="Ranks">Numerical rank (float64) of each expert's matrix, in expert order.</param>
/// <param name="FullRank">min(rows, columns) of one expert's matrix.</param>
/// <param name="SmallestPairDistance">Smallest rms difference between two experts, relative to the rms of the weights:
/// about 1.41 for independent draws, 0 for identical experts.</param>
public sealed record ExpertTensorHealth(string Name, IReadOnlyList<long> Ranks, long FullRank, double SmallestPairDistance);

/// <summary>Checks a model's experts are what training needs: pairwise distinct and of full rank (a constant
/// init makes them identical and rank 1, and gradient descent never breaks that symmetry).</summary>
public static class ExpertHealth
{
    /// <summary>Every (E, rows, cols) expert tensor of <paramref name="model"/>, and each controller/router as one matrix.</summary>
    public static IReadOnlyList<ExpertTensorHealth> Of(TransformerLM model)
    {
        using var scope = NewDisposeScope();
        using var _ = no_grad();
        var report = new List<ExpertTensorHealth>();
        foreach (var (name, parameter) in model.named_parameters())
        {
            var isExperts = name.EndsWith(".expert_in") || name.EndsWith(".expert_out");
            var isRouter = name.EndsWith(".controller") || name.EndsWith(".router");
            if (!isExperts && !isRouter) continue;
            var w = parameter.detach().cpu().to(ScalarType.Float64);
            var matrices = isExperts ? w : w.unsqueeze(0);
            var ranks = Enumerable.Range(0, (int)matrices.shape[0]).Select(e => linalg.matrix_rank(matrices[e]).item<long>()).ToList();
            var full = Math.Min(matrices.shape[1], matrices.shape[2]);
            report.Add(new ExpertTensorHealth(name, ranks, full, isExperts ? SmallestPairDistance(matrices) : double.NaN));
        }
        return report;
    }

    private static double SmallestPairDistance(Tensor experts)
    {
        var count = experts.shape[0];
        var flat = experts.reshape(count, -1);
        var scale = flat.square().mean().sqrt().item<double>();
        var smallest = double.PositiveInfinity;
        for (var i = 0; i < count; i++)
            for (var j = i + 1; j < count; j++)
                smallest = Math.Min(smallest, (flat[i] - flat[j]).square().mean().sqrt().item<double>() / scale);
        return smallest;
    }
}
