using MoT.Contracts.Sweeps;

namespace MoT.Grains.Sweeps;

/// <summary>What a <see cref="SweepGrain"/> persists; written after every decision.</summary>
[GenerateSerializer]
public sealed class SweepState
{
    [Id(0)] public SweepSpec? Spec { get; set; }
    [Id(1)] public SweepStatus Status { get; set; }
    [Id(2)] public List<TrialState> Trials { get; set; } = [];

    /// <summary>ASHA: eval loss recorded per rung index, per run.</summary>
    [Id(3)] public Dictionary<int, Dictionary<Guid, double>> RungLosses { get; set; } = [];
    [Id(4)] public Guid? BestRunId { get; set; }
    [Id(5)] public double? BestEvalLoss { get; set; }
    [Id(6)] public DateTimeOffset? SubmittedAt { get; set; }
    [Id(7)] public DateTimeOffset? FinishedAt { get; set; }
}

[GenerateSerializer]
public sealed class TrialState
{
    [Id(0)] public int Index { get; set; }
    [Id(1)] public Guid RunId { get; set; }

    /// <summary>Sampled values as a JSON object keyed by config path.</summary>
    [Id(2)] public string ParametersJson { get; set; } = "{}";
    [Id(3)] public TrialStatus Status { get; set; }
    [Id(4)] public double? BestEvalLoss { get; set; }
    [Id(5)] public double? LastEvalLoss { get; set; }
    [Id(6)] public long? StoppedAtStep { get; set; }

    /// <summary>False until the trial's run was created (a trial is recorded before its run, so a crash cannot lose it).</summary>
    [Id(7)] public bool RunCreated { get; set; }
}
