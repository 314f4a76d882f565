using Microsoft.EntityFrameworkCore;
using MoT.Contracts.Runs;
using MoT.Data;
using MoT.Data.Annotations;
using MoT.Grains.Configs;
using MoT.Grains.Runs;
using MoT.Silo.Training;
using MoT.Training.Configuration;
using MoT.Training.Models;
using Entities = MoT.Data.Entities;

namespace MoT.Silo.Persistence;

/// <summary>Writes run grains' records into the runs (and users, sweeps, checkpoints) tables, one short
/// context per record. Model family, compute budget and data identity come from the run's config, so
/// the leaderboard and the history filter can use them.</summary>
public sealed class EfRunRecordSink(IDbContextFactory<MotDbContext> contexts) : IRunRecordSink
{
    public async Task RecordAsync(RunRecord record, CancellationToken cancellationToken = default)
    {
        await using var db = await contexts.CreateDbContextAsync(cancellationToken);
        await StoredOwners.EnsureAsync(db, record.Spec.Owner, cancellationToken);
        if (record.Spec.SweepId is { } sweepId) await EnsureSweepAsync(db, sweepId, record, cancellationToken);

        var run = await db.Runs.FirstOrDefaultAsync(r => r.Id == record.RunId, cancellationToken);
        var facts = StoredFacts.Of(record.Spec.ConfigJson);
        if (run is null)
        {
            run = new Entities.Run
            {
                // Named once, at creation (queryable as name:...); a name someone gives it later is never overwritten.
                Id = record.RunId, Name = RunNames.For(record.RunId), OwnerId = record.Spec.Owner, ConfigJson = record.Spec.ConfigJson,
                ModelFamily = facts.Family, EvalSetId = facts.EvalSet, TokenizerId = facts.Tokenizer,
                CreatedAt = record.CreatedAt.UtcDateTime,
            };
            db.Runs.Add(run);
        }
        run.SweepId = record.Spec.SweepId;
        run.Priority = record.Spec.Priority;
        run.ParentRunId = record.Spec.ParentRunId;
        run.ParentRelation = record.Spec.Relation;
        run.Status = record.Status;
        run.Attempt = record.Attempts;
        run.BestEvalLoss = record.BestEvalLoss;
        run.TrainingTokens = facts.OwnTokens(record.Spec.WarmStart?.StartStep ?? 0);
        run.ComputeBudgetFlops = facts.FlopsPerToken * run.TrainingTokens;
        run.WarmStartStep = record.Spec.WarmStart?.FromStep;
        run.InheritedTokens = record.Spec.WarmStart?.InheritedTokens ?? 0;
        run.InheritedFlops = record.Spec.WarmStart is { } warm && record.Spec.ParentRunId is { } parentId
            ? await InheritedFlopsAsync(db, parentId, warm, cancellationToken)
            : 0;
        run.StartedAt = record.StartedAt?.UtcDateTime;
        run.FinishedAt = record.FinishedAt?.UtcDateTime;
        var failed = run.Status is RunStatus.Failed or RunStatus.Diverged;
        run.FailureReason = failed ? record.StatusMessage : null;
        run.FailureClass = failed ? record.FailureClass?.ToString() : null;
        run.FailureKind = failed && record.FailureClass is { } failure ? failure.Kind() : null;

        if (record.LastCheckpoint is { } checkpoint)
        {
            var stored = await db.Checkpoints.FirstOrDefaultAsync(c => c.RunId == record.RunId && c.Path == checkpoint.Path, cancellationToken);
            if (stored is null)
            {
                stored = new Entities.Checkpoint
                {
                    Id = Guid.NewGuid(), RunId = record.RunId, Step = checkpoint.Step, Path = checkpoint.Path,
                    Bytes = checkpoint.Bytes, Sha256 = checkpoint.Sha256, CreatedAt = DateTime.UtcNow,
                };
                db.Checkpoints.Add(stored);
            }
            run.CurrentCheckpointId = stored.Id;
        }
        await db.SaveChangesAsync(cancellationToken);
    }

    /// <summary>A placeholder row for a run's sweep whose own record has not been written yet (its owner and time from the run).</summary>
    private static async Task EnsureSweepAsync(MotDbContext db, Guid sweepId, RunRecord run, CancellationToken cancellationToken)
    {
        if (await db.Sweeps.AnyAsync(s => s.Id == sweepId, cancellationToken)) return;
        db.Sweeps.Add(new Entities.Sweep
        {
            Id = sweepId, Name = EfSweepRecordSink.UnnamedName(sweepId), OwnerId = run.Spec.Owner, SpecJson = "{}",
            CreatedAt = run.CreatedAt.UtcDateTime,
        });
    }

    public async Task RecordUncreatedAsync(IReadOnlyCollection<RunRecord> records, CancellationToken cancellationToken = default)
    {
        if (records.Count == 0) return;
        await using var db = await contexts.CreateDbContextAsync(cancellationToken);
        foreach (var owner in records.Select(r => r.Spec.Owner).Distinct()) await StoredOwners.EnsureAsync(db, owner, cancellationToken);
        foreach (var (sweepId, first) in records.Where(r => r.Spec.SweepId is not null).GroupBy(r => r.Spec.SweepId!.Value).Select(g => (g.Key, g.First())))
        {
            await EnsureSweepAsync(db, sweepId, first, cancellationToken);
        }

        var ids = records.Select(r => r.RunId).ToList();
        var existing = await db.Runs.Where(r => ids.Contains(r.Id)).ToDictionaryAsync(r => r.Id, cancellationToken);
        foreach (var record in records)
        {
            if (existing.TryGetValue(record.RunId, out var row))
            {
                row.Status = record.Status;
                row.FinishedAt = record.FinishedAt?.UtcDateTime;
                continue;
            }

            var fact = StoredFacts.Of(record.Spec.ConfigJson);
            db.Runs.Add(new Entities.Run
            {
                Id = record.RunId, Name = RunNames.For(record.RunId), OwnerId = record.Spec.Owner, ConfigJson = record.Spec.ConfigJson,
                ModelFamily = fact.Family, EvalSetId = fact.EvalSet, TokenizerId = fact.Tokenizer,
                CreatedAt = record.CreatedAt.UtcDateTime, SweepId = record.Spec.SweepId, Priority = record.Spec.Priority,
                Status = record.Status, FinishedAt = record.FinishedAt?.UtcDateTime,
                TrainingTokens = fact.OwnTokens(0), ComputeBudgetFlops = fact.FlopsPerToken * fact.OwnTokens(0),
            });
        }

        await db.SaveChangesAsync(cancellationToken);
    }

    public async Task RecordCheckpointAsync(Guid runId, CheckpointInfo checkpoint, CancellationToken cancellationToken = default)
    {
        await using var db = await contexts.CreateDbContextAsync(cancellationToken);
        if (!await db.Runs.AnyAsync(r => r.Id == runId, cancellationToken))
        {
            return; // the run's own record (written with its first state change) brings the row along
        }

        if (await db.Checkpoints.AnyAsync(c => c.RunId == runId && c.Path == checkpoint.Path, cancellationToken))
        {
            return;
        }

        db.Checkpoints.Add(new Entities.Checkpoint
        {
            Id = Guid.NewGuid(), RunId = runId, Step = checkpoint.Step, Path = checkpoint.Path,
            Bytes = checkpoint.Bytes, Sha256 = checkpoint.Sha256, CreatedAt = DateTime.UtcNow,
        });
        try
        {
            await db.SaveChangesAsync(cancellationToken);
        }
        catch (DbUpdateException)
        {
            // Recorded at the same moment by the run's own record: nothing to add. Anything else is a real failure.
            if (!await PathRecordedAsync(runId, checkpoint.Path, cancellationToken)) throw;
        }
    }

    /// <summary>
    /// FLOPs the ancestors spent to reach a child's checkpoint: the parent's own inheritance plus the tokens it trained up
    /// to the checkpoint (the child's inherited tokens less the parent's) at the parent's FLOPs per token.
    /// </summary>
    private static async Task<double> InheritedFlopsAsync(MotDbContext db, Guid parentId, Contracts.Runs.WarmStart warm, CancellationToken cancellationToken)
    {
        var parent = await db.Runs.AsNoTracking().Where(r => r.Id == parentId)
            .Select(r => new { r.ConfigJson, r.InheritedTokens, r.InheritedFlops })
            .FirstOrDefaultAsync(cancellationToken);
        if (parent is null) return 0; // the parent's row was never written: nothing known to add
        var trainedByParent = Math.Max(0, warm.InheritedTokens - parent.InheritedTokens);
        return parent.InheritedFlops + (trainedByParent * StoredFacts.Of(parent.ConfigJson).FlopsPerToken);
    }

    private async Task<bool> PathRecordedAsync(Guid runId, string path, CancellationToken cancellationToken)
    {
        await using var db = await contexts.CreateDbContextAsync(cancellationToken);
        return await db.Checkpoints.AsNoTracking().AnyAsync(c => c.RunId == runId && c.Path == path, cancellationToken);
    }

    /// <summary>
    /// What the history store indexes about a run. Family, eval set and tokenizer are the grains' <see cref="RunFacts"/>,
    /// so the store's leaderboard and the leaderboard grains put a run on the same board; compute is the trainer's
    /// training FLOPs per token times the tokens the run trains from its start step (the trainer's config, so a preset's
    /// context length and batch size count where the run config leaves them out).
    /// </summary>
    private sealed record StoredFacts(string Family, double FlopsPerToken, long Steps, long TokensPerStep, string EvalSet, string Tokenizer)
    {
        public long OwnTokens(long startStep) => Math.Max(0, Steps - startStep) * TokensPerStep;

        public static StoredFacts Of(string configJson)
        {
            try
            {
                // Family and data identity only: the tokens per step come from Training below, one translation per record.
                var facts = RunFacts.FromConfig(configJson, BasicRunConfigRules.Instance);
                var (flopsPerToken, steps, tokensPerStep) = Training(configJson);
                return new StoredFacts(facts.Family, flopsPerToken, steps, tokensPerStep, facts.EvalSetId, facts.TokenizerId);
            }
            catch (FormatException)
            {
                return new StoredFacts("Unknown", 0, 0, 0, "unknown", "unknown"); // an invalid config still gets its (failed) run row
            }
        }

        private static (double FlopsPerToken, long Steps, long TokensPerStep) Training(string configJson)
        {
            try
            {
                var config = RunConfigTranslator.Translate(configJson);
                return (ModelCost.TrainingFlopsPerToken(config.Model), config.Steps, config.TokensPerStep());
            }
            catch (ModelConfigException)
            {
                return (0, 0, 0);
            }
        }
    }
}
