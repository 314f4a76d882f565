using System.Text.Json.Nodes;

namespace MoT.Cli.Bench;

/// <summary>What <c>mot bench memory</c> sets up.</summary>
/// <param name="Queued">Runs queued behind the trainings on the silo.</param>
/// <param name="Trainings">Runs training at once (one CPU slot each, simulated executor).</param>
/// <param name="HoldSeconds">How long the loaded silo is watched after the queue is full.</param>
/// <param name="Pages">Run pages open in the browser, each a live circuit streaming its run's curves.</param>
/// <param name="Actions">Timed repetitions of each page action.</param>
/// <param name="SiloLimitMiB">The silo's stated resident-memory limit (PASS/FAIL).</param>
/// <param name="ActionTargetMs">The page actions' p95 target (PASS/FAIL).</param>
public sealed record MemoryBenchmarkSettings(
    int Queued = 1000,
    int Trainings = 2,
    int HoldSeconds = 20,
    int Pages = 50,
    int Actions = 20,
    double SiloLimitMiB = MemoryBenchmarkSettings.DefaultSiloLimitMiB,
    double ActionTargetMs = 200,
    string Chromium = DevToolsBrowser.DefaultChromium,
    string? DashboardDll = null,
    bool Silo = true,
    bool Dashboard = true)
{
    /// <summary>The limit README states for a silo with 2 trainings and 1,000 queued runs (measured peak plus headroom).</summary>
    public const double DefaultSiloLimitMiB = 400;

    /// <summary>A run that trains until the benchmark ends: a step every 20 ms, eval and checkpoint now and then.</summary>
    public static string TrainingConfig() => Config(steps: 1_000_000, stepDelayMs: 20, evalInterval: 25, checkpointInterval: 500);

    /// <summary>A short run: what the queue holds.</summary>
    public static string QueuedConfig() => Config(steps: 50, stepDelayMs: 20, evalInterval: 10, checkpointInterval: 25);

    /// <summary>A simulated Dense run: its steps, the time one step takes, and how often it evaluates and checkpoints.</summary>
    internal static string Config(long steps, double stepDelayMs, long evalInterval, long checkpointInterval) => new JsonObject
    {
        ["model"] = new JsonObject { ["family"] = "Dense" },
        ["training"] = new JsonObject { ["steps"] = steps, ["eval_interval"] = evalInterval, ["checkpoint_interval"] = checkpointInterval },
        ["simulate"] = new JsonObject { ["step_delay_ms"] = stepDelayMs },
    }.ToJsonString();
}
