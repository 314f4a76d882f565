using Microsoft.EntityFrameworkCore;

namespace MoT.Data.Checkpoints;

/// <summary>One recorded checkpoint of a run, as the dashboard lists it.</summary>
public sealed record CheckpointSummary(Guid Id, Guid RunId, long Step, string Path, long Bytes, string Sha256, bool Pinned, DateTime CreatedAt);

/// <summary>A run's recorded checkpoints and their pins (pinned checkpoints survive retention clean-up).</summary>
public sealed class CheckpointStore(IDbContextFactory<MotDbContext> contexts)
{
    /// <summary>The checkpoints recorded for <paramref name="runId"/>, in step order.</summary>
    public async Task<IReadOnlyList<CheckpointSummary>> ListAsync(Guid runId, CancellationToken cancellationToken = default)
    {
        await using var db = await contexts.CreateDbContextAsync(cancellationToken);
        return await db.Checkpoints.AsNoTracking()
            .Where(c => c.RunId == runId)
            .OrderBy(c => c.Step)
            .Select(c => new CheckpointSummary(c.Id, c.RunId, c.Step, c.Path, c.Bytes, c.Sha256, c.Pinned, c.CreatedAt))
            .ToListAsync(cancellationToken);
    }

    /// <summary>Pins or unpins one checkpoint; returns it as stored afterwards (setting the same value again is a no-op).</summary>
    /// <exception cref="KeyNotFoundException">No checkpoint has id <paramref name="checkpointId"/>.</exception>
    public async Task<CheckpointSummary> SetPinnedAsync(Guid checkpointId, bool pinned, CancellationToken cancellationToken = default)
    {
        await using var db = await contexts.CreateDbContextAsync(cancellationToken);
        var checkpoint = await db.Checkpoints.FirstOrDefaultAsync(c => c.Id == checkpointId, cancellationToken)
            ?? throw new KeyNotFoundException($"Checkpoint {checkpointId} does not exist (it may have been cleaned up).");
        if (checkpoint.Pinned != pinned)
        {
            checkpoint.Pinned = pinned;
            await db.SaveChangesAsync(cancellationToken);
        }

        return new CheckpointSummary(checkpoint.Id, checkpoint.RunId, checkpoint.Step, checkpoint.Path, checkpoint.Bytes,
            checkpoint.Sha256, checkpoint.Pinned, checkpoint.CreatedAt);
    }
}
