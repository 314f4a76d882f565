using System.CommandLine;
using System.Globalization;
using Microsoft.Extensions.DependencyInjection;
using MoT.Data.Queries;

namespace MoT.Cli.Commands;

/// <summary><c>mot runs query</c>: run history through the filter language (same as the dashboard).</summary>
internal static class RunsCommand
{
    public static Command Create()
    {
        var database = new DatabaseOptions();
        var filter = new Argument<string?>("filter") { Description = "e.g. 'status in (Completed, Running) and best_eval_loss < 3 and config.model.family = \"MoT\"'", DefaultValueFactory = _ => null };
        var sort = new Option<string?>("--sort") { Description = "Field to sort by, '-' prefix for descending (e.g. -created, best_eval_loss)" };
        var pageSize = new Option<int>("--page-size") { Description = "Runs per page", DefaultValueFactory = _ => 50 };
        var cursor = new Option<string?>("--cursor") { Description = "Continue after the page that printed this cursor" };
        var query = new Command("query", "List runs matching a filter") { filter, sort, pageSize, cursor };
        database.AddTo(query);
        query.SetAction(async (parse, cancel) =>
        {
            await using var services = database.BuildServices(parse);
            var page = await services.GetRequiredService<RunQueryService>().QueryAsync(
                parse.GetValue(filter), parse.GetValue(sort), parse.GetValue(pageSize), parse.GetValue(cursor), cancel);
            Console.WriteLine($"{"run",-36} {"status",-10} {"owner",-12} {"family",-12} {"best eval",9} {"created",-20}");
            foreach (var run in page.Items)
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"{run.Id,-36} {run.Status,-10} {run.Owner,-12} {run.ModelFamily,-12} {run.BestEvalLoss?.ToString("F4", CultureInfo.InvariantCulture) ?? "-",9} {run.CreatedAt:yyyy-MM-dd HH:mm:ss}"));
            Console.WriteLine(page.NextCursor is { } next ? $"more: --cursor {next}" : $"{page.Items.Count} run(s)");
            return 0;
        });
        return new Command("runs", "Run history") { query };
    }
}
