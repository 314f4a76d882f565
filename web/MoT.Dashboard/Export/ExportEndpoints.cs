using System.Text;
using MoT.Dashboard.Runs;
using MoT.Data.Queries;

namespace MoT.Dashboard.Export;

/// <summary>CSV downloads for signed-in users (the pages' cookie): the runs table under a filter, and one run's metrics.</summary>
public static class ExportEndpoints
{
    public const string RunsPath = "/export/runs.csv";

    /// <summary>The download link for the runs table under <paramref name="filter"/>.</summary>
    public static string RunsUrl(string? filter) =>
        string.IsNullOrWhiteSpace(filter) ? RunsPath : $"{RunsPath}?filter={Uri.EscapeDataString(filter)}";

    public static string MetricsUrl(Guid runId) => $"/export/runs/{runId}/metrics.csv";

    /// <summary>The run page's download of the run's console log.</summary>
    public static string ConsoleUrl(Guid runId) => $"/export/runs/{runId}/log.txt";

    private static readonly UTF8Encoding Utf8NoBom = new(encoderShouldEmitUTF8Identifier: false);

    public static IEndpointRouteBuilder MapExportEndpoints(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/export").RequireAuthorization();
        group.MapGet("/runs.csv", async (RunExport export, string? filter, string? sort, CancellationToken cancellationToken) =>
        {
            // The first page is read before the response starts, so a bad filter is a plain 400 with one line.
            RunPage first;
            try
            {
                first = await export.FirstPageAsync(filter, sort, cancellationToken);
            }
            catch (RunQueryException e)
            {
                return Results.Text($"{(e is QuerySyntaxException ? "filter" : "sort")}: {e.Message}", statusCode: StatusCodes.Status400BadRequest);
            }

            return new CsvResult("runs.csv", (writer, token) => export.WriteRunsAsync(writer, first, filter, sort, token));
        });
        group.MapGet("/runs/{runId:guid}/log.txt", async (Guid runId, IRunConsoleLog console, HttpContext http) =>
        {
            try
            {
                _ = await console.AfterAsync(runId, 0, 1, http.RequestAborted);
            }
            catch (KeyNotFoundException)
            {
                return Results.Text($"run {MoT.Contracts.ShortIds.Of(runId)} is not in the run store", statusCode: StatusCodes.Status404NotFound);
            }

            await RunConsoleText.WriteFileAsync(console, runId, http);
            return Results.Empty;
        });
        group.MapGet("/runs/{runId:guid}/metrics.csv", async (Guid runId, RunExport export, CancellationToken cancellationToken) =>
            await export.RunExistsAsync(runId, cancellationToken)
                ? new CsvResult($"run-{MoT.Contracts.ShortIds.Of(runId)}-metrics.csv", (writer, token) => export.WriteMetricsAsync(writer, runId, token))
                : Results.Text($"run {MoT.Contracts.ShortIds.Of(runId)} is not in the run store", statusCode: StatusCodes.Status404NotFound));
        return app;
    }

    /// <summary>Streams CSV into the response as it is produced (text/csv, UTF-8, attachment).</summary>
    private sealed class CsvResult(string fileName, Func<TextWriter, CancellationToken, Task> write) : IResult
    {
        public async Task ExecuteAsync(HttpContext http)
        {
            http.Response.ContentType = "text/csv; charset=utf-8";
            http.Response.Headers.ContentDisposition = $"attachment; filename=\"{fileName}\"";
            await using var writer = new StreamWriter(http.Response.Body, Utf8NoBom, bufferSize: 64 * 1024);
            await write(writer, http.RequestAborted);
        }
    }
}
