using MoT.Data.Annotations;

namespace MoT.Dashboard.Runs;

/// <summary>How charts and legends name a run: the model it trains and its name (stored, else generated), never a bare id.</summary>
public static class RunLabel
{
    public static string Of(Guid runId, string? configJson, string? name = null)
    {
        var runName = string.IsNullOrWhiteSpace(name) ? RunNames.For(runId) : name;
        return configJson is null ? runName : $"{ModelLabel.Of(configJson)} · {runName}";
    }
}
