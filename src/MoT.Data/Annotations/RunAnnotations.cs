using Microsoft.EntityFrameworkCore;
using MoT.Data.Entities;

namespace MoT.Data.Annotations;

/// <summary>A run's human side: its name (generated until someone names it), tags and notes.</summary>
/// <param name="NameIsGenerated">True while the run carries the name <see cref="RunNames"/> gave it.</param>
public sealed record RunAnnotation(Guid RunId, string Name, bool NameIsGenerated, IReadOnlyList<string> Tags, string? Notes);

/// <summary>Reads and edits what people write about runs (the run store's name, run_tags and notes), one short context per call.</summary>
public sealed class RunAnnotations(IDbContextFactory<MotDbContext> contexts)
{
    public async Task<RunAnnotation?> GetAsync(Guid runId, CancellationToken cancellationToken = default)
    {
        await using var db = await contexts.CreateDbContextAsync(cancellationToken);
        var run = await db.Runs.AsNoTracking().Include(r => r.Tags).FirstOrDefaultAsync(r => r.Id == runId, cancellationToken);
        return run is null ? null : Of(run);
    }

    /// <summary>The stored names of those runs that are in the store (a caller falls back to <see cref="RunNames.For"/>).</summary>
    public async Task<Dictionary<Guid, string>> NamesAsync(IEnumerable<Guid> runIds, CancellationToken cancellationToken = default)
    {
        var ids = runIds.ToList();
        await using var db = await contexts.CreateDbContextAsync(cancellationToken);
        return await db.Runs.AsNoTracking().Where(r => ids.Contains(r.Id) && r.Name != null).Select(r => new { r.Id, r.Name })
            .ToDictionaryAsync(r => r.Id, r => r.Name!, cancellationToken);
    }

    /// <summary>Names the run; a blank name gives it back its generated one.</summary>
    /// <exception cref="RunAnnotationException">The name is too long or not one line, or the run is not recorded.</exception>
    public Task<RunAnnotation> RenameAsync(Guid runId, string? name, CancellationToken cancellationToken = default)
    {
        var trimmed = name?.Trim() ?? "";
        if (RunAnnotationRules.CheckName(trimmed) is { } problem) throw new RunAnnotationException(problem);
        return EditAsync(runId, run => run.Name = trimmed.Length == 0 ? RunNames.For(runId) : trimmed, cancellationToken);
    }

    /// <summary>Replaces the run's tags (trimmed, duplicates once); <c>tag:x</c> finds the run afterwards.</summary>
    public Task<RunAnnotation> SetTagsAsync(Guid runId, IEnumerable<string> tags, CancellationToken cancellationToken = default)
    {
        var normalized = RunAnnotationRules.Normalize(tags);
        if (RunAnnotationRules.CheckTags(normalized) is { } problem) throw new RunAnnotationException(problem);
        return EditAsync(runId, run =>
        {
            run.Tags.RemoveAll(t => !normalized.Contains(t.Tag));
            foreach (var tag in normalized.Where(t => run.Tags.All(existing => existing.Tag != t)))
                run.Tags.Add(new RunTag { RunId = runId, Tag = tag });
        }, cancellationToken);
    }

    /// <summary>Replaces the run's notes; blank clears them.</summary>
    public Task<RunAnnotation> SetNotesAsync(Guid runId, string? notes, CancellationToken cancellationToken = default)
    {
        if (notes is not null && RunAnnotationRules.CheckNotes(notes) is { } problem) throw new RunAnnotationException(problem);
        return EditAsync(runId, run => run.Notes = string.IsNullOrWhiteSpace(notes) ? null : notes, cancellationToken);
    }

    private async Task<RunAnnotation> EditAsync(Guid runId, Action<Run> edit, CancellationToken cancellationToken)
    {
        await using var db = await contexts.CreateDbContextAsync(cancellationToken);
        var run = await db.Runs.Include(r => r.Tags).FirstOrDefaultAsync(r => r.Id == runId, cancellationToken)
            ?? throw new RunAnnotationException($"run {runId} is not in the run store yet; try again once it has started");
        edit(run);
        await db.SaveChangesAsync(cancellationToken);
        return Of(run);
    }

    private static RunAnnotation Of(Run run)
    {
        var generated = RunNames.For(run.Id);
        var name = RunNames.Display(run.Id, run.Name);
        return new RunAnnotation(run.Id, name, name == generated, [.. run.Tags.Select(t => t.Tag).Order(StringComparer.Ordinal)], run.Notes);
    }
}
