using MoT.Contracts.Sweeps;
using MoT.Grains.Sweeps;

namespace MoT.Grains.Tests.Sweeps;

public sealed class AshaPolicyTests
{
    [Fact]
    public void Rungs_grow_geometrically_up_to_max_steps()
    {
        Assert.Equal([10L, 30, 90], new AshaPolicy(new AshaSettings(10, 3, 100)).RungSteps);
    }

    [Fact]
    public void A_trial_worse_than_the_best_fraction_at_a_rung_is_stopped()
    {
        var policy = new AshaPolicy(new AshaSettings(MinSteps: 10, ReductionFactor: 2, MaxSteps: 40));
        var rungs = new Dictionary<int, Dictionary<Guid, double>>();
        var (a, b, c, d) = (Guid.NewGuid(), Guid.NewGuid(), Guid.NewGuid(), Guid.NewGuid());

        Assert.False(policy.Observe(rungs, a, 10, 2.0)!.Stop);   // alone at the rung: best so far
        Assert.True(policy.Observe(rungs, b, 10, 3.0)!.Stop);    // best 1 of 2 is 2.0
        Assert.False(policy.Observe(rungs, c, 10, 1.5)!.Stop);   // new best
        var worst = policy.Observe(rungs, d, 10, 2.5)!;         // best 2 of 4 are 1.5 and 2.0
        Assert.True(worst.Stop);
        Assert.Equal(10, worst.RungStep);
        Assert.Contains("not in the best 2 of 4", worst.Reason);
    }

    [Fact]
    public void A_trial_is_judged_once_per_rung_and_not_between_rungs()
    {
        var policy = new AshaPolicy(new AshaSettings(10, 2, 40));
        var rungs = new Dictionary<int, Dictionary<Guid, double>>();
        var a = Guid.NewGuid();

        Assert.Null(policy.Observe(rungs, a, 5, 4.0));
        Assert.NotNull(policy.Observe(rungs, a, 10, 3.0));
        Assert.Null(policy.Observe(rungs, a, 15, 2.9));
        Assert.Equal(3.0, rungs[0][a]);
    }
}
