using System.CommandLine;
using System.Globalization;
using Microsoft.Extensions.DependencyInjection;
using MoT.Cli.Api;
using MoT.Data.Queries;

namespace MoT.Cli.Commands;

/// <summary>
/// <c>mot runs query</c>: run history through the filter language (same as the dashboard). Through the HTTP API when
/// signed in (<c>mot login</c>, MOT_API_URL); from a run store directly with <c>--provider</c>/<c>--connection</c>, or
/// when no API is configured (the local ./data/mot.db of an all-in-one install).
/// </summary>
internal static class RunsCommand
{
    public static Command Create()
    {
        var database = new DatabaseOptions();
        var filter = new Argument<string?>("filter") { Description = "e.g. 'status in (Completed, Running) and best_eval_loss < 3 and config.model.family = \"MoT\"'", DefaultValueFactory = _ => null };
        var sort = new Option<string?>("--sort") { Description = "Field to sort by, '-' prefix for descending (e.g. -created, best_eval_loss)" };
        var pageSize = new Option<int>("--page-size") { Description = "Runs per page", DefaultValueFactory = _ => 50 };
        var cursor = new Option<string?>("--cursor") { Description = "Continue after the page that printed this cursor" };
        var timeout = new Option<int>("--connect-timeout") { Description = "Seconds to wait for the platform's API to answer", DefaultValueFactory = _ => 10 };
        var query = new Command("query", "List runs matching a filter") { filter, sort, pageSize, cursor, timeout };
        database.AddTo(query);
        query.SetAction(async (parse, cancel) =>
        {
            var direct = parse.GetResult(database.Provider) is { Implicit: false } || parse.GetResult(database.Connection) is { Implicit: false };
            var settings = ApiSettings.Load();
            IReadOnlyList<RunLine> rows;
            string? nextCursor;
            if (!direct && settings.IsConfigured)
            {
                using var api = new PlatformApi(settings, ApiCommandOptions.Timeout(parse.GetValue(timeout)));
                var url = $"runs?pageSize={parse.GetValue(pageSize)}&filter={Escape(parse.GetValue(filter))}&sort={Escape(parse.GetValue(sort))}&cursor={Escape(parse.GetValue(cursor))}";
                var page = await api.GetAsync<ApiRunPage>(url, cancel);
                rows = [.. page.Items.Select(r => new RunLine(r.Id, r.Status, r.Owner, r.Family, r.BestEvalLoss, r.CreatedAt.UtcDateTime))];
                nextCursor = page.NextCursor;
            }
            else
            {
                await using var services = database.BuildServices(parse);
                var page = await services.GetRequiredService<RunQueryService>().QueryAsync(
                    parse.GetValue(filter), parse.GetValue(sort), parse.GetValue(pageSize), parse.GetValue(cursor), cancel);
                rows = [.. page.Items.Select(r => new RunLine(r.Id, r.Status.ToString(), r.Owner, r.ModelFamily, r.BestEvalLoss, r.CreatedAt))];
                nextCursor = page.NextCursor;
            }

            Console.WriteLine($"{"run",-36} {"status",-10} {"owner",-12} {"family",-12} {"best eval",9} {"created",-20}");
            foreach (var run in rows)
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"{run.Id,-36} {run.Status,-10} {run.Owner,-12} {run.Family,-12} {run.BestEvalLoss?.ToString("F4", CultureInfo.InvariantCulture) ?? "-",9} {run.CreatedAt:yyyy-MM-dd HH:mm:ss}"));
            Console.WriteLine(nextCursor is { } next ? $"more: --cursor {next}" : $"{rows.Count} run(s)");
            return 0;
        });
        return new Command("runs", "Run history") { query, RunsLogCommand.Create() };
    }

    private static string Escape(string? value) => Uri.EscapeDataString(value ?? "");

    private sealed record RunLine(Guid Id, string Status, string Owner, string Family, double? BestEvalLoss, DateTime CreatedAt);

    private sealed record ApiRun(Guid Id, string Status, string Owner, string Family, double? BestEvalLoss, DateTimeOffset CreatedAt);

    private sealed record ApiRunPage(IReadOnlyList<ApiRun> Items, string? NextCursor);
}
