using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization;
using Microsoft.EntityFrameworkCore;
using MoT.Contracts.Sweeps;
using MoT.Data;
using MoT.Grains.Sweeps;
using Entities = MoT.Data.Entities;

namespace MoT.Silo.Persistence;

/// <summary>Writes the sweeps table from the sweep grains: name, owner, the spec as submitted (with the seed it drew),
/// status, best run and when it was submitted and finished. One row per sweep, rewritten whole on every change.</summary>
public sealed class EfSweepRecordSink(IDbContextFactory<MotDbContext> contexts) : ISweepRecordSink
{
    private static readonly JsonSerializerOptions s_json = new(JsonSerializerDefaults.Web)
    {
        Converters = { new JsonStringEnumConverter() },
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    };

    public async Task RecordAsync(SweepRecord record, CancellationToken cancellationToken = default)
    {
        await using var db = await contexts.CreateDbContextAsync(cancellationToken);
        await StoredOwners.EnsureAsync(db, record.Spec.Owner, cancellationToken);
        var sweep = await db.Sweeps.FirstOrDefaultAsync(s => s.Id == record.SweepId, cancellationToken);
        if (sweep is null)
        {
            sweep = new Entities.Sweep
            {
                Id = record.SweepId, Name = "", OwnerId = record.Spec.Owner, SpecJson = "{}",
                CreatedAt = record.SubmittedAt.UtcDateTime,
            };
            db.Sweeps.Add(sweep);
        }

        // A run's record may have written a placeholder row first; the sweep's own record always wins.
        sweep.Name = NameOf(record);
        sweep.OwnerId = record.Spec.Owner;
        sweep.SpecJson = SpecJson(record.Spec);
        sweep.Status = record.Status;
        sweep.BestRunId = record.BestRunId;
        sweep.CreatedAt = record.SubmittedAt.UtcDateTime;
        sweep.FinishedAt = record.FinishedAt?.UtcDateTime;
        await db.SaveChangesAsync(cancellationToken);
    }

    /// <summary>The name the sweep was given, else <see cref="UnnamedName"/>.</summary>
    public static string NameOf(SweepRecord record) =>
        string.IsNullOrWhiteSpace(record.Spec.Name) ? UnnamedName(record.SweepId) : StoredText.Fit(record.Spec.Name, 200);

    /// <summary>What the sweeps table calls a sweep without a name (also a run's placeholder row for its sweep).</summary>
    public static string UnnamedName(Guid sweepId) => $"sweep {MoT.Contracts.ShortIds.Of(sweepId)}";

    /// <summary>The spec as JSON, its base config as a nested object rather than an escaped string, so it can be queried.</summary>
    public static string SpecJson(SweepSpec spec)
    {
        var json = JsonSerializer.SerializeToNode(spec, s_json)!.AsObject();
        json.Remove("baseConfigJson");
        json["baseConfig"] = JsonNode.Parse(spec.BaseConfigJson);
        return json.ToJsonString();
    }
}
