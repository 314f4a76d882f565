using MoT.Contracts.Training;
using MoT.Data.Entities;
using MoT.Data.RunLogs;
using MoT.Grains.Slots;

namespace MoT.Silo.Persistence;

/// <summary>Sends training attempts' console lines to the store's batched log ingest (run_log_lines).</summary>
public sealed class StoreRunConsoleSink(RunLogIngestor ingestor) : IRunConsoleSink
{
    public void Append(RunConsoleLine line) =>
        ingestor.Append(new RunLogLineRecord(line.RunId, line.Attempt, line.Time.UtcDateTime, Level(line.Level), line.Text));

    public Task FlushAsync(CancellationToken cancellationToken) => ingestor.FlushAsync(cancellationToken);

    private static RunLogLevel Level(ConsoleLevel level) => level switch
    {
        ConsoleLevel.Warning => RunLogLevel.Warning,
        ConsoleLevel.Error => RunLogLevel.Error,
        _ => RunLogLevel.Info,
    };
}
