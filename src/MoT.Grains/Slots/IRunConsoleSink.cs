using MoT.Contracts.Training;

namespace MoT.Grains.Slots;

/// <summary>One line of a run's console log, as a training attempt writes it.</summary>
public sealed record RunConsoleLine(Guid RunId, int Attempt, DateTimeOffset Time, ConsoleLevel Level, string Text);

/// <summary>
/// Where a silo's training attempts write their runs' console logs (the store's run_log_lines, batched). Each attempt
/// writes through its own <see cref="AttemptConsole"/>: runs share a silo, so nothing reads the process's console.
/// </summary>
public interface IRunConsoleSink
{
    /// <summary>Queues a line; returns at once (called on training threads).</summary>
    void Append(RunConsoleLine line);

    /// <summary>Writes what is queued; throws when the store cannot be reached (the lines stay queued).</summary>
    Task FlushAsync(CancellationToken cancellationToken);
}

/// <summary>No console store (tests and tools without a database).</summary>
public sealed class NullRunConsoleSink : IRunConsoleSink
{
    public void Append(RunConsoleLine line)
    {
    }

    public Task FlushAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
