namespace MoT.Cli.Bench;

/// <summary><c>mot bench memory</c>: the silo part, then the dashboard part (each in its own child process, one after the other).</summary>
internal static class MemoryBenchmark
{
    public static async Task<(SiloMemoryResult? Silo, DashboardMemoryResult? Dashboard)> RunAsync(
        MemoryBenchmarkSettings settings, Action<string> progress, CancellationToken cancellationToken)
    {
        var silo = settings.Silo ? await new SiloMemoryBenchmark(settings).RunAsync(progress, cancellationToken) : null;
        var dashboard = settings.Dashboard ? await new DashboardMemoryBenchmark(settings).RunAsync(progress, cancellationToken) : null;
        return (silo, dashboard);
    }
}
