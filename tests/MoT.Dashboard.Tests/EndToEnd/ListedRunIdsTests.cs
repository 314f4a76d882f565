using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.Playwright;
using MoT.Contracts;

namespace MoT.Dashboard.Tests.EndToEnd;

/// <summary>
/// Every run id a sweep's 201 lists is readable at once, through the API and the run page, although a large sweep
/// creates its runs a batch per turn (they used to answer 404 for a few seconds), and stays readable when the sweep is
/// cancelled before creating them.
/// </summary>
[Collection(DashboardCollection.Name)]
public sealed class ListedRunIdsTests(DashboardServer server) : IAsyncLifetime
{
    private readonly ApiTokenIssuer _issuer = new(server);

    private static CancellationToken Cancel => TestContext.Current.CancellationToken;

    public ValueTask InitializeAsync() => ValueTask.CompletedTask;

    public ValueTask DisposeAsync() => _issuer.DisposeAsync();

    private static StringContent RandomSweep(string name, int trials) => ApiSecurityTests.Yaml($"""
        name: {name}
        preset: Transformer-Tiny
        steps: 400
        learningRate: 0.001
        method: random
        maxConcurrentRuns: 1
        maxRuns: {trials}
        parameters:
          - path: training.lr
            kind: log-uniform
            low: 0.0001
            high: 0.01

        """);

    [Fact]
    public async Task Every_run_id_of_a_200_trial_sweep_is_readable_right_after_the_201()
    {
        using var rita = ApiClient.For(server, await _issuer.IssueAsync(DashboardServer.Researcher));
        var (sweepId, runIds) = await SubmitAsync(rita, "listed-ids-200", 200);
        var wrong = new List<string>();
        foreach (var runId in runIds)
        {
            if (await ReadRunAsync(rita, runId, wrong) is not { } run) continue;
            var spec = run.GetProperty("spec");
            if (spec.GetProperty("sweepId").GetString() != sweepId.ToString()) wrong.Add($"{runId}: sweep {spec.GetProperty("sweepId")}");
            if (!spec.GetProperty("configJson").GetString()!.Contains("\"lr\"", StringComparison.Ordinal)) wrong.Add($"{runId}: config without its sampled lr");
        }

        Assert.True(wrong.Count == 0, $"{wrong.Count} of {runIds.Count} listed ids not readable:\n{string.Join("\n", wrong.Take(20))}");

        // The run store lists them too, at once: the runs list and a read by id agree.
        var listed = await rita.GetFromJsonAsync<JsonElement>($"/api/v1/runs?pageSize=500&filter={Uri.EscapeDataString($"sweep = {sweepId}")}", Cancel);
        Assert.Equal(runIds.Count, listed.GetProperty("items").GetArrayLength());
        (await rita.PostAsync($"/api/v1/sweeps/{sweepId}/cancel", null, Cancel)).EnsureSuccessStatusCode();
    }

    [Fact]
    public async Task A_run_its_sweep_never_created_reads_as_cancelled_through_the_API_and_the_run_page()
    {
        using var rita = ApiClient.For(server, await _issuer.IssueAsync(DashboardServer.Researcher));
        var (sweepId, runIds) = await SubmitAsync(rita, "listed-ids-cancelled", 400);
        (await rita.PostAsync($"/api/v1/sweeps/{sweepId}/cancel", null, Cancel)).EnsureSuccessStatusCode();

        var neverCreated = new List<string>();
        var wrong = new List<string>();
        foreach (var runId in runIds)
        {
            if (await ReadRunAsync(rita, runId, wrong) is not { } run) continue;
            // A created run is cancelled a batch per turn too, so it may still be queued, or running on a slot the scheduler
            // gave it before its cancel arrived (or even done); one never created is cancelled at once.
            var status = run.GetProperty("status").ToString();
            if (!run.GetProperty("statusMessage").GetString()!.Contains("before it created", StringComparison.Ordinal))
            {
                if (status is not ("Queued" or "Running" or "Cancelled" or "Completed")) wrong.Add($"{runId}: {status} after the sweep's cancel");
                continue;
            }

            neverCreated.Add(runId);
            if (status != "Cancelled") wrong.Add($"{runId}: never created but {status}");
        }

        Assert.True(wrong.Count == 0, string.Join("\n", wrong.Take(20)));
        // 400 trials at 16 per turn cannot all be created between the 201 and the cancel that follows it.
        Assert.NotEmpty(neverCreated);

        var (playwright, browser) = await BrowserSession.LaunchAsync();
        try
        {
            var context = await browser.NewContextAsync(new() { ViewportSize = new() { Width = 1400, Height = 900 } });
            context.SetDefaultTimeout(30_000);
            var page = await context.NewPageAsync();
            await page.SignInAsync(server.BaseUrl, "admin", "admin");
            var runId = Guid.Parse(neverCreated[^1]);
            await page.GotoAsync($"{server.BaseUrl}/runs/{runId}");
            await page.WaitInteractiveAsync();
            await Assertions.Expect(page.Locator("[data-testid=status-message]")).ToContainTextAsync($"sweep {ShortIds.Of(sweepId)} was cancelled before it created this run");
            await Assertions.Expect(page.Locator("[data-testid=config]")).ToContainTextAsync("lr");
            await Assertions.Expect(page.GetByText("does not exist")).ToHaveCountAsync(0);
            await page.ShotAsync("60-run-never-created");
        }
        finally
        {
            await browser.DisposeAsync();
            playwright.Dispose();
        }
    }

    /// <summary>The run as the API reads it by id; null (and a line in <paramref name="wrong"/>) when it is not 200.</summary>
    private static async Task<JsonElement?> ReadRunAsync(HttpClient client, string runId, List<string> wrong)
    {
        using var response = await client.GetAsync($"/api/v1/runs/{runId}", Cancel);
        var text = await response.Content.ReadAsStringAsync(Cancel);
        if (response.StatusCode == HttpStatusCode.OK) return JsonSerializer.Deserialize<JsonElement>(text);
        wrong.Add($"{runId}: {(int)response.StatusCode} {text}");
        return null;
    }

    private static async Task<(Guid SweepId, IReadOnlyList<string> RunIds)> SubmitAsync(HttpClient client, string name, int trials)
    {
        using var response = await client.PostAsync("/api/v1/sweeps", RandomSweep(name, trials), Cancel);
        var created = await response.Content.ReadFromJsonAsync<JsonElement>(Cancel);
        Assert.True(response.StatusCode == HttpStatusCode.Created, created.ToString());
        var runIds = created.GetProperty("runIds").EnumerateArray().Select(r => r.GetString()!).ToList();
        Assert.Equal(trials, runIds.Count);
        return (Guid.Parse(created.GetProperty("sweepId").GetString()!), runIds);
    }
}
