using Microsoft.EntityFrameworkCore;
using MoT.Data.Entities;

namespace MoT.Data.RunLogs;

/// <summary>One stored console line as readers see it.</summary>
/// <param name="OmittedBefore">Lines the size bound removed between the previous line (or the reader's cursor) and this one.</param>
public sealed record RunLogEntry(long Sequence, int Attempt, DateTime Time, RunLogLevel Level, string Text, long OmittedBefore);

/// <summary>A slice of a run's console in sequence order.</summary>
/// <param name="LastSequence">The run's newest line number (0: none yet); a follower asks again with after = the last line it got.</param>
/// <param name="More">True when lines after this slice exist already (the slice hit its limit).</param>
public sealed record RunLogSlice(IReadOnlyList<RunLogEntry> Lines, long LastSequence, bool More);

/// <summary>Reads run console logs: a page after a sequence number (follow, paging) or the last lines (tail).</summary>
public sealed class RunLogQuery(IDbContextFactory<MotDbContext> contexts)
{
    /// <summary>Most lines one read returns.</summary>
    public const int MaxLimit = 5_000;

    /// <summary>Lines numbered after <paramref name="after"/>, oldest first, at most <paramref name="limit"/>; null when the run does not exist.</summary>
    public async Task<RunLogSlice?> AfterAsync(Guid runId, long after, int limit, CancellationToken cancellationToken = default)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(after);
        ArgumentOutOfRangeException.ThrowIfLessThan(limit, 1);
        await using var db = await contexts.CreateDbContextAsync(cancellationToken);
        if (await LastSequenceAsync(db, runId, cancellationToken) is not { } lastSequence) return null;
        var rows = await Lines(db, runId).Where(l => l.Sequence > after).OrderBy(l => l.Sequence).Take(limit + 1).ToListAsync(cancellationToken);
        var more = rows.Count > limit;
        if (more) rows.RemoveAt(rows.Count - 1);
        return new RunLogSlice(WithGaps(rows, after), lastSequence, more);
    }

    /// <summary>The last <paramref name="count"/> stored lines, oldest first; null when the run does not exist.</summary>
    public async Task<RunLogSlice?> TailAsync(Guid runId, int count, CancellationToken cancellationToken = default)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(count, 1);
        await using var db = await contexts.CreateDbContextAsync(cancellationToken);
        if (await LastSequenceAsync(db, runId, cancellationToken) is not { } lastSequence) return null;
        var rows = await Lines(db, runId).OrderByDescending(l => l.Sequence).Take(count).ToListAsync(cancellationToken);
        rows.Reverse();
        // The gap before the first line counts from the stored line before it, not from 0: the tail shows what it skips.
        var previous = rows.Count == 0 ? 0
            : await Lines(db, runId).Where(l => l.Sequence < rows[0].Sequence).MaxAsync(l => (long?)l.Sequence, cancellationToken) ?? 0;
        return new RunLogSlice(WithGaps(rows, previous), lastSequence, false);
    }

    private static IQueryable<RunLogLine> Lines(MotDbContext db, Guid runId) =>
        db.RunLogLines.AsNoTracking().Where(l => l.RunId == runId);

    /// <summary>The run's newest line number (0 without lines), or null when the run is not in the store.</summary>
    private static async Task<long?> LastSequenceAsync(MotDbContext db, Guid runId, CancellationToken cancellationToken)
    {
        var run = await db.Runs.AsNoTracking().Where(r => r.Id == runId)
            .Select(r => new { Last = db.RunLogLines.Where(l => l.RunId == r.Id).Max(l => (long?)l.Sequence) ?? 0 })
            .FirstOrDefaultAsync(cancellationToken);
        return run?.Last;
    }

    private static List<RunLogEntry> WithGaps(List<RunLogLine> rows, long previous)
    {
        var entries = new List<RunLogEntry>(rows.Count);
        foreach (var row in rows)
        {
            entries.Add(new RunLogEntry(row.Sequence, row.Attempt, row.Time, row.Level, row.Text, row.Sequence - previous - 1));
            previous = row.Sequence;
        }

        return entries;
    }
}
