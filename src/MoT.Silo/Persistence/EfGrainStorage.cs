using Microsoft.EntityFrameworkCore;
using MoT.Data;
using MoT.Data.Entities;
using Orleans.Runtime;
using Orleans.Serialization;
using Orleans.Storage;

namespace MoT.Silo.Persistence;

/// <summary>
/// Orleans grain storage in the platform's database (table grain_states), so sweeps, runs, the scheduler
/// and leaderboards survive a control-silo restart. Optimistic concurrency through the ETag: a write
/// whose ETag is stale fails with <see cref="InconsistentStateException"/> instead of overwriting.
/// </summary>
public sealed class EfGrainStorage(IDbContextFactory<MotDbContext> contexts, Serializer serializer) : IGrainStorage
{
    public async Task ReadStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState)
    {
        await using var db = await contexts.CreateDbContextAsync();
        var key = Key(stateName, grainId);
        var record = await db.GrainStates.AsNoTracking().FirstOrDefaultAsync(g => g.Key == key);
        if (record is null) return;
        grainState.State = serializer.Deserialize<T>(record.Data);
        grainState.ETag = record.ETag;
        grainState.RecordExists = true;
    }

    public async Task WriteStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState)
    {
        await using var db = await contexts.CreateDbContextAsync();
        var key = Key(stateName, grainId);
        var etag = Guid.NewGuid().ToString("N");
        var data = serializer.SerializeToArray(grainState.State);
        if (grainState.ETag is null)
        {
            db.GrainStates.Add(new GrainStateRecord { Key = key, ETag = etag, Data = data, UpdatedAt = DateTime.UtcNow });
        }
        else
        {
            // Update only the row that still has the ETag this grain read: the concurrency token makes it conditional.
            var record = new GrainStateRecord { Key = key, ETag = grainState.ETag, Data = data, UpdatedAt = DateTime.UtcNow };
            db.GrainStates.Attach(record);
            record.ETag = etag;
            record.Data = data;
            db.Entry(record).Property(r => r.Data).IsModified = true;
            db.Entry(record).Property(r => r.UpdatedAt).IsModified = true;
        }
        try
        {
            await db.SaveChangesAsync();
        }
        catch (Exception error) when (error is DbUpdateConcurrencyException or DbUpdateException)
        {
            throw new InconsistentStateException($"State {key} was written by someone else (expected ETag {grainState.ETag ?? "none"}).",
                "unknown", grainState.ETag ?? string.Empty);
        }
        grainState.ETag = etag;
        grainState.RecordExists = true;
    }

    public async Task ClearStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState)
    {
        await using var db = await contexts.CreateDbContextAsync();
        var key = Key(stateName, grainId);
        await db.GrainStates.Where(g => g.Key == key).ExecuteDeleteAsync();
        grainState.ETag = null;
        grainState.RecordExists = false;
    }

    private static string Key(string stateName, GrainId grainId) => $"{stateName}/{grainId}";
}
