using Microsoft.EntityFrameworkCore;
using MoT.Data;
using MoT.Data.Annotations;
using MoT.Data.Queries;

namespace MoT.Dashboard.Export;

/// <summary>
/// The runs table and a run's metrics as CSV, written as they are read: runs a page at a time through the same filter
/// and sort as the Runs page (every page, not just the one on screen), metric points straight from the store.
/// </summary>
public sealed class RunExport(RunQueryService runs, IDbContextFactory<MotDbContext> contexts)
{
    /// <summary>Rows read per round trip; each page is flushed before the next is read.</summary>
    public const int PageSize = 500;

    public static readonly string[] RunColumns =
    [
        "id", "name", "owner", "status", "family", "best_eval_loss", "compute_budget_flops", "eval_set", "tokenizer",
        "sweep_id", "parent_id", "relation", "attempts", "priority", "tags", "created", "started", "finished",
        "failure_reason", "notes", "config",
    ];

    /// <summary>The first page of an export: read before anything is written, so a bad filter or sort is a plain error.</summary>
    /// <exception cref="RunQueryException">The filter or sort is not valid; the message names the column.</exception>
    public Task<RunPage> FirstPageAsync(string? filter, string? sort, CancellationToken cancellationToken) =>
        runs.QueryAsync(filter, sort, PageSize, null, cancellationToken);

    /// <summary>Every run matching <paramref name="filter"/> (the Runs page's language) in <paramref name="sort"/> order.</summary>
    public async Task WriteRunsAsync(TextWriter output, string? filter, string? sort, CancellationToken cancellationToken) =>
        await WriteRunsAsync(output, await FirstPageAsync(filter, sort, cancellationToken), filter, sort, cancellationToken);

    /// <summary>As <see cref="WriteRunsAsync(TextWriter, string?, string?, CancellationToken)"/>, from a first page already read.</summary>
    public async Task WriteRunsAsync(TextWriter output, RunPage page, string? filter, string? sort, CancellationToken cancellationToken)
    {
        var csv = new CsvWriter(output).Header(RunColumns);
        while (true)
        {
            var extra = await NotesAndConfigsAsync([.. page.Items.Select(r => r.Id)], cancellationToken);
            foreach (var r in page.Items)
            {
                var (notes, config) = extra.GetValueOrDefault(r.Id);
                csv.Id(r.Id).Text(RunNames.Display(r.Id, r.Name)).Text(r.Owner).Text(r.Status.ToString()).Text(r.ModelFamily)
                    .Number(r.BestEvalLoss).Number(r.ComputeBudgetFlops).Text(r.EvalSetId).Text(r.TokenizerId)
                    .Id(r.SweepId).Id(r.ParentRunId).Text(r.ParentRelation?.ToString()).Number(r.Attempt).Number(r.Priority)
                    .Text(string.Join(' ', r.Tags.Order(StringComparer.Ordinal))).Time(r.CreatedAt).Time(r.StartedAt).Time(r.FinishedAt)
                    .Text(r.FailureReason).Text(notes).Text(config)
                    .EndLine();
            }

            await output.FlushAsync(cancellationToken);
            if (page.NextCursor is null) return;
            page = await runs.QueryAsync(filter, sort, PageSize, page.NextCursor, cancellationToken);
        }
    }

    /// <summary>One row per recorded metric point of the run: name, step, value, wall time. False when the run is unknown.</summary>
    public async Task<bool> RunExistsAsync(Guid runId, CancellationToken cancellationToken)
    {
        await using var db = await contexts.CreateDbContextAsync(cancellationToken);
        return await db.Runs.AsNoTracking().AnyAsync(r => r.Id == runId, cancellationToken);
    }

    public async Task WriteMetricsAsync(TextWriter output, Guid runId, CancellationToken cancellationToken)
    {
        var csv = new CsvWriter(output).Header("run_id", "metric", "step", "value", "time");
        await using var db = await contexts.CreateDbContextAsync(cancellationToken);
        var points = db.MetricPoints.AsNoTracking().Where(p => p.RunId == runId).OrderBy(p => p.Name).ThenBy(p => p.Step).AsAsyncEnumerable();
        var written = 0;
        await foreach (var p in points.WithCancellation(cancellationToken))
        {
            csv.Id(runId).Text(p.Name).Number(p.Step).Number(p.Value).Time(p.WallTime).EndLine();
            if (++written % PageSize == 0) await output.FlushAsync(cancellationToken);
        }

        await output.FlushAsync(cancellationToken);
    }

    private async Task<Dictionary<Guid, (string? Notes, string Config)>> NotesAndConfigsAsync(List<Guid> ids, CancellationToken cancellationToken)
    {
        await using var db = await contexts.CreateDbContextAsync(cancellationToken);
        return await db.Runs.AsNoTracking().Where(r => ids.Contains(r.Id)).Select(r => new { r.Id, r.Notes, r.ConfigJson })
            .ToDictionaryAsync(r => r.Id, r => (r.Notes, r.ConfigJson), cancellationToken);
    }
}
