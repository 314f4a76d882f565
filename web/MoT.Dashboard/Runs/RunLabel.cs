namespace MoT.Dashboard.Runs;

/// <summary>How charts and legends name a run: the model it trains and its short id, never a bare id.</summary>
public static class RunLabel
{
    public static string Of(Guid runId, string? configJson) =>
        configJson is null ? MoT.Dashboard.Components.Formats.Short(runId) : $"{ModelLabel.Of(configJson)} · {MoT.Dashboard.Components.Formats.Short(runId)}";
}
