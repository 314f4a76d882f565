using Microsoft.EntityFrameworkCore;
using MoT.Data.Entities;

namespace MoT.Data.RunLogs;

/// <summary>
/// Writes one batch of console lines in one transaction: numbers each run's lines after the last stored one, inserts
/// them in one SaveChanges (batched statements, not a round trip per line) and deletes what falls outside
/// <see cref="RunLogLimits"/>. Lines of runs the store does not know are dropped (they can never be stored).
/// </summary>
public sealed class RunLogWriter(IDbContextFactory<MotDbContext> contexts, RunLogLimits limits)
{
    /// <summary>Two writers numbering the same run at once (an old attempt's silo replaying late) collide on the key: try again.</summary>
    private const int Attempts = 3;

    /// <summary>Writes <paramref name="batch"/> in its order; returns how many lines named unknown runs and were dropped.</summary>
    public async Task<int> WriteAsync(IReadOnlyList<RunLogLineRecord> batch, CancellationToken cancellationToken = default)
    {
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                return await WriteOnceAsync(batch, cancellationToken);
            }
            catch (DbUpdateException) when (attempt < Attempts)
            {
                // Numbered from a maximum another writer has since passed; read it again.
            }
        }
    }

    private async Task<int> WriteOnceAsync(IReadOnlyList<RunLogLineRecord> batch, CancellationToken cancellationToken)
    {
        if (batch.Count == 0) return 0;
        await using var db = await contexts.CreateDbContextAsync(cancellationToken);
        await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
        var runIds = batch.Select(l => l.RunId).Distinct().ToArray();
        var last = await db.Runs.AsNoTracking()
            .Where(r => runIds.Contains(r.Id))
            .Select(r => new { r.Id, Last = db.RunLogLines.Where(l => l.RunId == r.Id).Max(l => (long?)l.Sequence) ?? 0 })
            .ToDictionaryAsync(r => r.Id, r => r.Last, cancellationToken);

        var dropped = 0;
        foreach (var line in batch)
        {
            if (!last.TryGetValue(line.RunId, out var sequence))
            {
                dropped++;
                continue;
            }

            last[line.RunId] = ++sequence;
            db.RunLogLines.Add(new RunLogLine
            {
                RunId = line.RunId, Sequence = sequence, Attempt = line.Attempt,
                Time = line.Time.Kind == DateTimeKind.Utc ? line.Time : line.Time.ToUniversalTime(),
                Level = line.Level, Text = RunLogLimits.OneLine(line.Text),
            });
        }

        await db.SaveChangesAsync(cancellationToken);
        foreach (var (runId, newest) in last)
        {
            var firstDropped = limits.HeadLines + 1L;
            var lastDropped = newest - limits.TailLines;
            if (lastDropped >= firstDropped)
            {
                await db.RunLogLines
                    .Where(l => l.RunId == runId && l.Sequence >= firstDropped && l.Sequence <= lastDropped)
                    .ExecuteDeleteAsync(cancellationToken);
            }
        }

        await transaction.CommitAsync(cancellationToken);
        return dropped;
    }
}
