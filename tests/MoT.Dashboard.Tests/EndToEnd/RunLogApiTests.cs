using System.Net;
using System.Net.Http.Json;
using System.Text.Json;

namespace MoT.Dashboard.Tests.EndToEnd;

/// <summary>A run's console through the HTTP API: paging after a line number, the tail, the text download.</summary>
[Collection(DashboardCollection.Name)]
public sealed class RunLogApiTests(DashboardServer server) : IAsyncLifetime
{
    private readonly ApiTokenIssuer _issuer = new(server);

    private static CancellationToken Cancel => TestContext.Current.CancellationToken;

    public ValueTask InitializeAsync() => ValueTask.CompletedTask;

    public ValueTask DisposeAsync() => _issuer.DisposeAsync();

    [Fact]
    public async Task A_finished_runs_console_pages_after_a_line_number_tails_and_downloads_the_same_lines()
    {
        using var rita = ApiClient.For(server, await _issuer.IssueAsync(DashboardServer.Researcher));
        var launched = await rita.PostAsync("/api/v1/runs", ApiSecurityTests.Json(
            """{"config":{"model":{"preset":"Transformer-Tiny"},"training":{"steps":40,"eval_interval":10,"checkpoint_interval":20}}}"""), Cancel);
        var created = await launched.Content.ReadFromJsonAsync<JsonElement>(Cancel);
        Assert.True(launched.StatusCode == HttpStatusCode.Created, created.ToString());
        var runId = created.GetProperty("runId").GetString();

        // Finished means the outcome line is stored: the slot writes the console before it reports the outcome.
        var deadline = DateTime.UtcNow.AddMinutes(2);
        string status;
        while ((status = (await rita.GetFromJsonAsync<JsonElement>($"/api/v1/runs/{runId}", Cancel)).GetProperty("status").GetString()!) != "Completed")
        {
            Assert.True(DateTime.UtcNow < deadline, $"run still {status}:\n{server.Log[^Math.Min(3000, server.Log.Length)..]}");
            await Task.Delay(250, Cancel);
        }

        var all = await rita.GetFromJsonAsync<JsonElement>($"/api/v1/runs/{runId}/log", Cancel);
        var lines = all.GetProperty("lines").EnumerateArray().ToList();
        var texts = lines.Select(l => l.GetProperty("text").GetString()!).ToList();
        Assert.StartsWith("Attempt 1 started on slot ", texts[0]);
        Assert.StartsWith("Completed at step 40", texts[^1]);
        // Evals every 10 of 40 steps: exactly four eval lines.
        Assert.Equal(4, texts.Count(t => t.StartsWith("step ", StringComparison.Ordinal) && t.Contains("  eval loss ", StringComparison.Ordinal)));
        Assert.Equal(lines.Count, all.GetProperty("lastSequence").GetInt64());
        Assert.False(all.GetProperty("more").GetBoolean());

        // Paging two at a time gives the same lines once each, in order.
        var paged = new List<string>();
        long after = 0;
        while (true)
        {
            var page = await rita.GetFromJsonAsync<JsonElement>($"/api/v1/runs/{runId}/log?after={after}&limit=2", Cancel);
            var got = page.GetProperty("lines").EnumerateArray().ToList();
            paged.AddRange(got.Select(l => l.GetProperty("text").GetString()!));
            if (!page.GetProperty("more").GetBoolean()) break;
            after = got[^1].GetProperty("sequence").GetInt64();
        }

        Assert.Equal(texts, paged);
        var tail = await rita.GetFromJsonAsync<JsonElement>($"/api/v1/runs/{runId}/log?tail=1", Cancel);
        Assert.Equal(texts[^1], tail.GetProperty("lines")[0].GetProperty("text").GetString());

        using var download = await rita.GetAsync($"/api/v1/runs/{runId}/log.txt", Cancel);
        Assert.Equal("text/plain", download.Content.Headers.ContentType?.MediaType);
        var file = (await download.Content.ReadAsStringAsync(Cancel)).Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(texts.Count, file.Length);
        Assert.All(file.Zip(texts), pair => Assert.EndsWith(pair.Second, pair.First));
        Assert.Matches(@"^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}Z  #1  INFO    Attempt 1 started", file[0]);
    }

    [Fact]
    public async Task Bad_log_queries_name_their_field_and_an_unknown_run_is_404()
    {
        using var rita = ApiClient.For(server, await _issuer.IssueAsync(DashboardServer.Researcher));
        var run = Guid.NewGuid();

        Assert.Equal("after: 'x' is not a whole number", await DetailAsync(await rita.GetAsync($"/api/v1/runs/{run}/log?after=x", Cancel), 400));
        Assert.Equal("after: -1 is outside 0..9223372036854775807", await DetailAsync(await rita.GetAsync($"/api/v1/runs/{run}/log?after=-1", Cancel), 400));
        Assert.Equal("limit: 0 is outside 1..5000", await DetailAsync(await rita.GetAsync($"/api/v1/runs/{run}/log?limit=0", Cancel), 400));
        Assert.StartsWith("tail: cannot be combined with after", await DetailAsync(await rita.GetAsync($"/api/v1/runs/{run}/log?tail=5&after=3", Cancel), 400));
        Assert.Equal($"runId: run {MoT.Contracts.ShortIds.Of(run)} is not in the run store", await DetailAsync(await rita.GetAsync($"/api/v1/runs/{run}/log", Cancel), 404));
        Assert.Equal($"runId: run {MoT.Contracts.ShortIds.Of(run)} is not in the run store", await DetailAsync(await rita.GetAsync($"/api/v1/runs/{run}/log.txt", Cancel), 404));
    }

    private static async Task<string> DetailAsync(HttpResponseMessage response, int status)
    {
        var body = await response.Content.ReadAsStringAsync(Cancel);
        Assert.True((int)response.StatusCode == status, $"{(int)response.StatusCode} {body}");
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        return JsonDocument.Parse(body).RootElement.GetProperty("detail").GetString()!;
    }
}
