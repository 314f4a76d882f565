namespace MoT.Training.Models;

/// <summary>Analytic parameter and FLOP counts, so runs compare at equal compute without
/// building the (possibly billion-parameter) model.</summary>
public static class ModelCost
{
    /// <summary>Trainable parameters, including embeddings and the head.</summary>
    public static long Parameters(ModelConfig c)
    {
        long d = c.DModel;
        var total = (long)c.VocabSize * d                                   // token embedding
            + (c.Positions == PositionEncoding.Learned ? (long)c.ContextLength * d : 0)
            + (c.TiedHead ? 0 : (long)c.VocabSize * d)
            + 2 * d;                                                        // final LayerNorm
        for (var block = 0; block < c.Layers; block++)
            total += 4 * d * d + 4 * d + FeedForwardParameters(c, c.KindOfBlock(block));
        return total;
    }

    /// <summary>Forward-pass FLOPs per token (2 per multiply-add; attention over the full context).</summary>
    public static double ForwardFlopsPerToken(ModelConfig c)
    {
        double d = c.DModel;
        var flops = 2 * d * c.VocabSize;                                     // head
        for (var block = 0; block < c.Layers; block++)
            flops += 2 * 4 * d * d + 2 * 2 * c.ContextLength * d + FeedForwardFlops(c, c.KindOfBlock(block));
        return flops;
    }

    /// <summary>Training FLOPs per token: forward plus a backward twice as costly.</summary>
    public static double TrainingFlopsPerToken(ModelConfig c) => 3 * ForwardFlopsPerToken(c);

    private static long FeedForwardParameters(ModelConfig c, FeedForwardKind kind)
    {
        long d = c.DModel;
        switch (kind)
        {
            case FeedForwardKind.Dense:
                return 2 * d * c.DFF;
            case FeedForwardKind.MixtureOfTokens:
            {
                var m = c.MixtureOfTokens!;
                long mixtures = m.Experts * m.MixturesPerExpert;
                var theta = m.LearnableTemperature ? (m.TemperaturePerExpert ? mixtures : 1) : 0;
                return d * mixtures + 2L * m.Experts * d * m.ResolvedExpertSize(c.DFF) + theta;
            }
            case FeedForwardKind.TokenChoice:
            {
                var t = c.TokenChoice!;
                return d * t.Experts + 2L * t.Experts * d * t.ResolvedExpertSize(c.DFF);
            }
            case FeedForwardKind.ExpertChoice:
            {
                var e = c.ExpertChoice!;
                return d * e.Experts + 2L * e.Experts * d * e.ResolvedExpertSize(c.DFF) + 2 * d;
            }
            default:
                throw new ArgumentOutOfRangeException(nameof(kind), kind, null);
        }
    }

    private static double FeedForwardFlops(ModelConfig c, FeedForwardKind kind)
    {
        double d = c.DModel;
        switch (kind)
        {
            case FeedForwardKind.Dense:
                return 4 * d * c.DFF;
            case FeedForwardKind.MixtureOfTokens:
            {
                // Controller, mixing and emitting per token; each group of g tokens feeds E*M mixtures.
                var m = c.MixtureOfTokens!;
                double mixtures = m.Experts * m.MixturesPerExpert;
                return 3 * 2 * d * mixtures + 4 * d * m.ResolvedExpertSize(c.DFF) * mixtures / m.GroupSize;
            }
            case FeedForwardKind.TokenChoice:
            {
                // Experts compute every capacity slot, filled or not: cf * k slots per token.
                var t = c.TokenChoice!;
                return 2 * d * t.Experts + t.CapacityFactor * t.TopK * 4 * d * t.ResolvedExpertSize(c.DFF);
            }
            case FeedForwardKind.ExpertChoice:
            {
                var e = c.ExpertChoice!;
                return 2 * d * e.Experts + 4 * d * e.ResolvedExpertSize(c.DFF) * e.Experts * e.Capacity / e.GroupSize;
            }
            default:
                throw new ArgumentOutOfRangeException(nameof(kind), kind, null);
        }
    }
}
