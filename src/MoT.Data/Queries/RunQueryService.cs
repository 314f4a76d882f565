using Microsoft.EntityFrameworkCore;
using MoT.Data.Entities;

namespace MoT.Data.Queries;

/// <summary>
/// Run history: a textual filter (see <see cref="FilterParser"/>), a sort and keyset paging. Indexed fields are
/// filtered in the database; config-path conditions are checked in memory on the rows the database preselected.
/// </summary>
public sealed class RunQueryService(IDbContextFactory<MotDbContext> contexts)
{
    public const int MaxPageSize = 1000;

    /// <summary>Runs matching <paramref name="filter"/>, sorted by <paramref name="sort"/> ("created desc" default).</summary>
    /// <exception cref="QuerySyntaxException">The filter is malformed; the message names the column.</exception>
    /// <exception cref="ArgumentException">Unknown sort field, bad page size or a cursor from another query.</exception>
    public async Task<RunPage> QueryAsync(string? filter, string? sort = null, int pageSize = 50, string? cursor = null,
        CancellationToken cancellationToken = default)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(pageSize, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(pageSize, MaxPageSize);
        var order = RunSort.Parse(sort);
        var key = order.SortKey;
        var compiled = RunFilterCompiler.Compile(filter);
        (string? Value, Guid Id)? position = cursor is null ? null : order.DecodeCursor(cursor);

        await using var db = await contexts.CreateDbContextAsync(cancellationToken);
        IQueryable<Run> runs = db.Runs.AsNoTracking();
        if (compiled.Database is not null)
            runs = runs.Where(compiled.Database);

        if (compiled.InMemory is null)
        {
            var page = key.Order(position is { } p ? key.After(runs, order.Descending, p.Value, p.Id) : runs, order.Descending);
            var rows = await Project(page).Take(pageSize + 1).ToListAsync(cancellationToken);
            return Page(rows, pageSize, r => order.EncodeCursor(key.CursorValue(r), r.Id));
        }

        // Config conditions: walk the preselected rows in sort order until a page (plus one) matches.
        var matched = new List<Run>(pageSize + 1);
        var chunk = Math.Max(4 * pageSize, 200);
        while (matched.Count <= pageSize)
        {
            var page = key.Order(position is { } p ? key.After(runs, order.Descending, p.Value, p.Id) : runs, order.Descending);
            var fetched = await page.Include(r => r.Tags).Take(chunk).ToListAsync(cancellationToken);
            foreach (var run in fetched)
            {
                if (compiled.InMemory(run)) matched.Add(run);
                if (matched.Count > pageSize) break;
            }
            if (fetched.Count < chunk) break;
            var last = fetched[^1];
            position = (key.CursorValue(last), last.Id);
        }
        var items = matched.Select(ToSummary).ToList();
        return Page(items, pageSize, r => order.EncodeCursor(key.CursorValue(r), r.Id));
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

    private static RunSummary ToSummary(Run r) => new(
        r.Id, r.Name, r.OwnerId, r.Status, r.SweepId, r.ParentRunId, r.ParentRelation, r.ModelFamily,
        r.ComputeBudgetFlops, r.BestEvalLoss, r.EvalSetId, r.TokenizerId, r.Attempt, r.Priority,
        r.Tags.Select(t => t.Tag).ToList(), r.CreatedAt, r.StartedAt, r.FinishedAt, r.FailureReason);
}
