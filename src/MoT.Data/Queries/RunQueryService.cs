using Microsoft.EntityFrameworkCore;
using MoT.Data.Entities;

namespace MoT.Data.Queries;

/// <summary>
/// Run history: a textual filter (see <see cref="FilterParser"/>), a sort and keyset paging, all evaluated by the
/// database (config paths through <see cref="ConfigJson.Matches"/>).
/// </summary>
public sealed class RunQueryService(IDbContextFactory<MotDbContext> contexts, FilterLimits? limits = null)
{
    private readonly FilterLimits _limits = (limits ?? FilterLimits.Default).Validate();

    public const int MaxPageSize = 1000;

    /// <summary>Runs matching <paramref name="filter"/>, sorted by <paramref name="sort"/> ("created desc" default).</summary>
    /// <exception cref="QuerySyntaxException">The filter is malformed, over a <see cref="FilterLimits"/> limit, or uses
    /// an ambiguous id prefix; the message names the column.</exception>
    /// <exception cref="RunQueryException">Unknown sort field, bad page size or a cursor from another query.</exception>
    public async Task<RunPage> QueryAsync(string? filter, string? sort = null, int pageSize = 50, string? cursor = null,
        CancellationToken cancellationToken = default)
    {
        if (pageSize is < 1 or > MaxPageSize)
            throw new RunQueryException($"page size {pageSize} is outside 1..{MaxPageSize}");
        var order = RunSort.Parse(sort);
        var key = order.SortKey;
        var compiled = RunFilterCompiler.CompileWithPrefixes(filter, _limits);
        var position = cursor is null ? ((string? Value, Guid Id)?)null : order.DecodeCursor(cursor);

        await using var db = await contexts.CreateDbContextAsync(cancellationToken);
        IQueryable<Run> runs = db.Runs.AsNoTracking();
        if (compiled is not null)
        {
            foreach (var prefix in compiled.Prefixes)
            {
                var matches = await db.Runs.AsNoTracking().Where(prefix.Matches).Select(prefix.Value).Distinct()
                    .Take(4).ToListAsync(cancellationToken);
                if (matches.Count > 1) throw prefix.Ambiguous([.. matches.Select(m => m!.Value).Order()]);
            }
            runs = runs.Where(compiled.Predicate);
        }
        if (position is { } after)
            runs = key.After(runs, order.Descending, after.Value, after.Id);
        var rows = await Project(key.Order(runs, order.Descending)).Take(pageSize + 1).ToListAsync(cancellationToken);
        return Page(rows, pageSize, r => order.EncodeCursor(key.CursorValue(r), r.Id));
    }

    /// <summary>
    /// How many runs match <paramref name="filter"/>: the true total a pager shows beside keyset pages (which alone only
    /// know whether one more page exists).
    /// </summary>
    /// <exception cref="QuerySyntaxException">As <see cref="QueryAsync"/>.</exception>
    public async Task<int> CountAsync(string? filter, CancellationToken cancellationToken = default)
    {
        var compiled = RunFilterCompiler.CompileWithPrefixes(filter, _limits);
        await using var db = await contexts.CreateDbContextAsync(cancellationToken);
        IQueryable<Run> runs = db.Runs.AsNoTracking();
        if (compiled is not null) runs = runs.Where(compiled.Predicate);
        return await runs.CountAsync(cancellationToken);
    }

    private static RunPage Page(List<RunSummary> rows, int pageSize, Func<RunSummary, string> cursorOf)
    {
        if (rows.Count <= pageSize) return new RunPage(rows, null);
        rows.RemoveAt(rows.Count - 1);
        return new RunPage(rows, cursorOf(rows[^1]));
    }

    private static IQueryable<RunSummary> Project(IQueryable<Run> runs) => runs.Select(r => new RunSummary(
        r.Id, r.Name, r.OwnerId, r.Status, r.SweepId, r.ParentRunId, r.ParentRelation, r.ModelFamily,
        r.ComputeBudgetFlops, r.BestEvalLoss, r.EvalSetId, r.TokenizerId, r.Attempt, r.Priority,
        r.Tags.Select(t => t.Tag).ToList(), r.CreatedAt, r.StartedAt, r.FinishedAt, r.FailureReason));
}
