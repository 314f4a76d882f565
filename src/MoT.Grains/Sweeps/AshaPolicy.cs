using MoT.Contracts.Sweeps;

namespace MoT.Grains.Sweeps;

/// <summary>What ASHA decided about a trial at a rung.</summary>
/// <param name="Stop">True when the trial should stop.</param>
/// <param name="RungStep">The rung the decision was taken at.</param>
/// <param name="Reason">Why, in words.</param>
public sealed record AshaDecision(bool Stop, long RungStep, string Reason);

/// <summary>
/// Asynchronous successive halving (Li et al. 2018) as a stopping rule: rungs at MinSteps * eta^k; when a trial first
/// reports an eval loss at or past a rung, it continues only if its loss is within the best floor(n/eta) of the n
/// losses recorded at that rung so far (at least the best one), as Optuna's SuccessiveHalvingPruner does.
/// </summary>
public sealed class AshaPolicy(AshaSettings settings)
{
    /// <summary>The rung steps, smallest first.</summary>
    public IReadOnlyList<long> RungSteps { get; } = ComputeRungs(settings);

    private static List<long> ComputeRungs(AshaSettings s)
    {
        var rungs = new List<long>();
        for (var step = s.MinSteps; step <= s.MaxSteps && step > 0; step *= s.ReductionFactor)
        {
            rungs.Add(step);
        }

        return rungs;
    }

    /// <summary>
    /// Records the trial's loss at every rung it has newly reached (in <paramref name="rungLosses"/>, keyed by rung index then run)
    /// and says whether it should stop; null when no new rung was reached.
    /// </summary>
    public AshaDecision? Observe(IDictionary<int, Dictionary<Guid, double>> rungLosses, Guid runId, long step, double evalLoss)
    {
        AshaDecision? decision = null;
        for (var k = 0; k < RungSteps.Count && RungSteps[k] <= step; k++)
        {
            if (!rungLosses.TryGetValue(k, out var losses))
            {
                losses = [];
                rungLosses[k] = losses;
            }

            if (!losses.TryAdd(runId, evalLoss))
            {
                continue;
            }

            var sorted = losses.Values.Order().ToList();
            var keep = Math.Max(1, sorted.Count / settings.ReductionFactor);
            var threshold = sorted[keep - 1];
            var stop = evalLoss > threshold;
            decision = new AshaDecision(stop, RungSteps[k], stop
                ? $"eval loss {SearchSpace.Describe(evalLoss)} at rung step {RungSteps[k]} is not in the best {keep} of {sorted.Count} (threshold {SearchSpace.Describe(threshold)})"
                : $"eval loss {SearchSpace.Describe(evalLoss)} at rung step {RungSteps[k]} is in the best {keep} of {sorted.Count}");
            if (stop)
            {
                return decision;
            }
        }

        return decision;
    }
}
