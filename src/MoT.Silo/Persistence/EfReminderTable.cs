using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using MoT.Data;
using MoT.Data.Entities;
using Orleans.Configuration;
using Orleans.Runtime;

namespace MoT.Silo.Persistence;

/// <summary>
/// Orleans reminders in the platform's database, so that they survive a control-silo restart on SQLite (embedded) and
/// PostgreSQL (team) alike. Reminders are few (one per running run), so the service's whole list is one row of
/// grain_states, read and replaced under its ETag; a concurrent change is retried.
/// </summary>
public sealed class EfReminderTable(IDbContextFactory<MotDbContext> contexts, IOptions<ClusterOptions> cluster) : IReminderTable
{
    private const int MaxConflictRetries = 20;

    private string Key => $"reminders/{cluster.Value.ServiceId}";

    public async Task<ReminderTableData> ReadRows(GrainId grainId)
    {
        var (rows, _) = await LoadAsync();
        return new ReminderTableData(rows.Where(r => r.GrainId == grainId.ToString()).Select(ToEntry));
    }

    public async Task<ReminderTableData> ReadRows(uint begin, uint end)
    {
        var (rows, _) = await LoadAsync();
        return new ReminderTableData(rows.Select(ToEntry).Where(e => InRange(e.GrainId.GetUniformHashCode(), begin, end)));
    }

    public async Task<ReminderEntry?> ReadRow(GrainId grainId, string reminderName)
    {
        var (rows, _) = await LoadAsync();
        return rows.Where(r => r.GrainId == grainId.ToString() && r.Name == reminderName).Select(ToEntry).FirstOrDefault();
    }

    public async Task<string?> UpsertRow(ReminderEntry entry)
    {
        var etag = Guid.NewGuid().ToString("N");
        await ChangeAsync(rows =>
        {
            rows.RemoveAll(r => r.GrainId == entry.GrainId.ToString() && r.Name == entry.ReminderName);
            rows.Add(new StoredReminder(entry.GrainId.ToString(), entry.ReminderName, entry.StartAt, entry.Period, etag));
            return true;
        });
        return etag;
    }

    public Task<bool> RemoveRow(GrainId grainId, string reminderName, string eTag) =>
        ChangeAsync(rows => rows.RemoveAll(r => r.GrainId == grainId.ToString() && r.Name == reminderName && r.ETag == eTag) > 0);

    public Task TestOnlyClearTable() => ChangeAsync(rows =>
    {
        rows.Clear();
        return true;
    });

    /// <summary>Orleans' ring ranges: (begin, end], wrapping around when begin is not below end.</summary>
    private static bool InRange(uint hash, uint begin, uint end) =>
        begin < end ? hash > begin && hash <= end : hash > begin || hash <= end;

    private static ReminderEntry ToEntry(StoredReminder row) => new()
    {
        GrainId = GrainId.Parse(row.GrainId),
        ReminderName = row.Name,
        StartAt = row.StartAt,
        Period = row.Period,
        ETag = row.ETag,
    };

    private async Task<(List<StoredReminder> Rows, string? ETag)> LoadAsync()
    {
        await using var db = await contexts.CreateDbContextAsync();
        var record = await db.GrainStates.AsNoTracking().FirstOrDefaultAsync(g => g.Key == Key);
        return record is null ? ([], null) : (JsonSerializer.Deserialize<List<StoredReminder>>(record.Data) ?? [], record.ETag);
    }

    /// <summary>Applies <paramref name="change"/> to the stored list under optimistic concurrency; its answer is returned.</summary>
    private async Task<bool> ChangeAsync(Func<List<StoredReminder>, bool> change)
    {
        for (var attempt = 1; ; attempt++)
        {
            var (rows, etag) = await LoadAsync();
            var answer = change(rows);
            if (!answer)
            {
                return false;
            }

            await using var db = await contexts.CreateDbContextAsync();
            var data = JsonSerializer.SerializeToUtf8Bytes(rows);
            var newTag = Guid.NewGuid().ToString("N");
            if (etag is null)
            {
                db.GrainStates.Add(new GrainStateRecord { Key = Key, ETag = newTag, Data = data, UpdatedAt = DateTime.UtcNow });
            }
            else
            {
                var record = new GrainStateRecord { Key = Key, ETag = etag, Data = data, UpdatedAt = DateTime.UtcNow };
                db.GrainStates.Attach(record);
                record.ETag = newTag;
                db.Entry(record).Property(r => r.Data).IsModified = true;
                db.Entry(record).Property(r => r.UpdatedAt).IsModified = true;
            }

            try
            {
                await db.SaveChangesAsync();
                return true;
            }
            catch (DbUpdateException) when (attempt < MaxConflictRetries)
            {
                // Another silo changed the list since it was read: read again and reapply.
            }
        }
    }

    private sealed record StoredReminder(string GrainId, string Name, DateTime StartAt, TimeSpan Period, string ETag);
}
