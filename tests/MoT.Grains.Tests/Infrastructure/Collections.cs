namespace MoT.Grains.Tests.Infrastructure;

/// <summary>Control silo plus two gpu silos with two CPU slots each, shared by tests that only add their own runs and sweeps.</summary>
public sealed class SharedClusterFixture : MotClusterFixture;

[CollectionDefinition(Name)]
public sealed class SharedClusterCollection : ICollectionFixture<SharedClusterFixture>
{
    public const string Name = "Shared cluster";
}

/// <summary>A control silo alone at first; the test adds one gpu silo with one slot, so dispatch order is observable.</summary>
public sealed class SchedulingClusterFixture : MotClusterFixture
{
    protected override short InitialSilos => 1;

    protected override int CpuSlotsPerGpuSilo => 1;
}

[CollectionDefinition(Name)]
public sealed class SchedulingClusterCollection : ICollectionFixture<SchedulingClusterFixture>
{
    public const string Name = "Scheduling cluster";
}

/// <summary>Control silo (Silo_0) plus one gpu silo (Silo_1) with a single slot; gpu silos a test adds get one slot too.</summary>
public abstract class SingleSlotClusterFixture : MotClusterFixture
{
    protected override short InitialSilos => 2;

    protected override int CpuSlotsPerGpuSilo => 1;
}

/// <summary>The single-slot cluster whose first gpu silo (Silo_1) steps slowly (100 ms) and every later one fast (1 ms).</summary>
public abstract class SlowFirstGpuSiloFixture : SingleSlotClusterFixture
{
    protected override TimeSpan StepDelay(string siloName) =>
        siloName == "Silo_1" ? TimeSpan.FromMilliseconds(100) : TimeSpan.FromMilliseconds(1);
}

/// <summary>The test kills the slow gpu silo; a fast one joins later.</summary>
public sealed class FailoverClusterFixture : SlowFirstGpuSiloFixture;

[CollectionDefinition(Name)]
public sealed class FailoverClusterCollection : ICollectionFixture<FailoverClusterFixture>
{
    public const string Name = "Failover cluster";
}

/// <summary>Same shape as the failover cluster; its slow gpu silo is shut down gracefully.</summary>
public sealed class DrainClusterFixture : SlowFirstGpuSiloFixture;

[CollectionDefinition(Name)]
public sealed class DrainClusterCollection : ICollectionFixture<DrainClusterFixture>
{
    public const string Name = "Drain cluster";
}

/// <summary>A control silo without any gpu silo; runs check their attempts every second.</summary>
public sealed class ControlOnlyClusterFixture : MotClusterFixture
{
    protected override short InitialSilos => 1;

    protected override TimeSpan AttemptCheckInterval => TimeSpan.FromSeconds(1);
}

[CollectionDefinition(Name)]
public sealed class ControlOnlyClusterCollection : ICollectionFixture<ControlOnlyClusterFixture>
{
    public const string Name = "Control-only cluster";
}

/// <summary>Control silo plus a slow gpu silo (Silo_1) that the test kills and starts again under the same name.</summary>
public sealed class RestartClusterFixture : SingleSlotClusterFixture
{
    protected override TimeSpan StepDelay(string siloName) => TimeSpan.FromMilliseconds(20);
}

[CollectionDefinition(Name)]
public sealed class RestartClusterCollection : ICollectionFixture<RestartClusterFixture>
{
    public const string Name = "Restart cluster";
}

/// <summary>Control silo plus one gpu silo with a single slot that steps every 10 ms: runs must share it.</summary>
public sealed class PreemptionClusterFixture : SingleSlotClusterFixture
{
    protected override TimeSpan StepDelay(string siloName) => TimeSpan.FromMilliseconds(10);
}

[CollectionDefinition(Name)]
public sealed class PreemptionClusterCollection : ICollectionFixture<PreemptionClusterFixture>
{
    public const string Name = "Preemption cluster";
}

/// <summary>Control silo plus one gpu silo with two slots, whose scheduler state writes a test can make fail.</summary>
public sealed class SchedulerWriteFaultClusterFixture : MotClusterFixture
{
    public FailingStateWrites SchedulerWrites { get; } = new(MoT.Contracts.StateNames.Scheduler);

    protected override short InitialSilos => 2;

    protected override void AddStorage(ISiloBuilder silo) => SchedulerWrites.Register(silo, Store);
}

[CollectionDefinition(Name)]
public sealed class SchedulerWriteFaultClusterCollection : ICollectionFixture<SchedulerWriteFaultClusterFixture>
{
    public const string Name = "Scheduler write fault cluster";
}
