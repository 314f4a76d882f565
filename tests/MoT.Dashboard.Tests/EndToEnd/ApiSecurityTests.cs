using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;

namespace MoT.Dashboard.Tests.EndToEnd;

/// <summary>The HTTP API's trust boundary against the real host: who may call what, and as whom.</summary>
[Collection(DashboardCollection.Name)]
public sealed class ApiSecurityTests(DashboardServer server) : IAsyncLifetime
{
    private readonly ApiTokenIssuer _issuer = new(server);

    private static CancellationToken Cancel => TestContext.Current.CancellationToken;

    public ValueTask InitializeAsync() => ValueTask.CompletedTask;

    public ValueTask DisposeAsync() => _issuer.DisposeAsync();

    [Fact]
    public void The_route_table_covers_every_user_action()
    {
        var routes = ApiRouteTable.All.Select(r => r.ToString()).ToList();
        foreach (var expected in new[]
                 {
                     "GET /api/v1/runs", "POST /api/v1/runs", "GET /api/v1/runs/{runId}", "GET /api/v1/runs/{runId}/metrics",
                     "POST /api/v1/runs/{runId}/cancel", "POST /api/v1/runs/{runId}/resume", "POST /api/v1/runs/{runId}/fork",
                     "POST /api/v1/runs/{runId}/transition-tune", "GET /api/v1/runs/{runId}/checkpoints",
                     "POST /api/v1/checkpoints/{checkpointId}/pin", "POST /api/v1/checkpoints/{checkpointId}/unpin",
                     "POST /api/v1/sweeps", "GET /api/v1/sweeps/{sweepId}", "POST /api/v1/sweeps/{sweepId}/cancel",
                     "GET /api/v1/leaderboard", "GET /api/v1/cluster", "GET /api/v1/me",
                 })
        {
            Assert.Contains(expected, routes);
        }
    }

    [Fact]
    public async Task Every_api_route_answers_401_problem_json_without_a_token_or_with_an_unknown_one()
    {
        using var anonymous = ApiClient.For(server, null);
        using var forged = ApiClient.For(server, "mot_" + new string('A', 43));
        using var cookieOnly = ApiClient.For(server, null);
        cookieOnly.DefaultRequestHeaders.Add("Cookie", "mot.auth=forged");
        var wrong = new List<string>();
        foreach (var route in ApiRouteTable.All)
        {
            foreach (var (client, who) in new[] { (anonymous, "no token"), (forged, "unknown token"), (cookieOnly, "cookie only") })
            {
                using var response = await SendAsync(client, route, Guid.NewGuid().ToString());
                var body = await response.Content.ReadAsStringAsync(Cancel);
                if (response.StatusCode != HttpStatusCode.Unauthorized || response.Content.Headers.ContentType?.MediaType != "application/problem+json")
                    wrong.Add($"{route} with {who}: {(int)response.StatusCode} {response.Content.Headers.ContentType} {body}");
            }
        }

        Assert.True(ApiRouteTable.All.Count >= 17, $"only {ApiRouteTable.All.Count} routes found");
        Assert.True(wrong.Count == 0, string.Join("\n", wrong));
    }

    [Fact]
    public async Task A_viewer_token_reads_every_get_route_and_gets_403_naming_the_action_on_every_mutation()
    {
        using var viewer = ApiClient.For(server, await _issuer.IssueAsync("viewer"));
        var wrong = new List<string>();
        foreach (var route in ApiRouteTable.All)
        {
            using var response = await SendAsync(viewer, route, Guid.NewGuid().ToString(), "{}");
            var body = await response.Content.ReadAsStringAsync(Cancel);
            if (route.Mutates)
            {
                if (response.StatusCode != HttpStatusCode.Forbidden || !body.Contains("viewer may not", StringComparison.Ordinal))
                    wrong.Add($"{route}: {(int)response.StatusCode} {body}");
            }
            else if (response.StatusCode is HttpStatusCode.Unauthorized or HttpStatusCode.Forbidden)
            {
                wrong.Add($"{route}: a viewer cannot read ({(int)response.StatusCode} {body})");
            }
        }

        Assert.True(wrong.Count == 0, string.Join("\n", wrong));
    }

    [Fact]
    public async Task A_revoked_token_is_refused_on_the_very_next_request_and_last_use_is_recorded()
    {
        var created = await _issuer.Tokens.CreateAsync("viewer", "soon revoked", Cancel);
        using var client = ApiClient.For(server, created.Secret);

        var before = await client.GetAsync("/api/v1/me", Cancel);
        Assert.Equal(HttpStatusCode.OK, before.StatusCode);
        Assert.Equal("viewer", (await before.Content.ReadFromJsonAsync<JsonElement>(Cancel)).GetProperty("userName").GetString());
        var listed = (await _issuer.Tokens.ListAsync("viewer", Cancel)).Single(t => t.Id == created.Info.Id);
        Assert.NotNull(listed.LastUsedAt);

        Assert.True(await _issuer.Tokens.RevokeAsync("viewer", created.Info.Id, Cancel));
        var after = await client.GetAsync("/api/v1/me", Cancel);

        Assert.Equal(HttpStatusCode.Unauthorized, after.StatusCode);
    }

    [Fact]
    public async Task A_token_is_stored_only_as_its_hash()
    {
        var created = await _issuer.Tokens.CreateAsync("viewer", "hash check", Cancel);
        var database = await File.ReadAllBytesAsync(Path.Combine(server.DataDirectory, "mot.db"), Cancel);
        var wal = Path.Combine(server.DataDirectory, "mot.db-wal");
        var text = Encoding.ASCII.GetString(database) + (File.Exists(wal) ? Encoding.ASCII.GetString(await File.ReadAllBytesAsync(wal, Cancel)) : "");

        Assert.StartsWith("mot_", created.Secret);
        Assert.True(created.Secret.Length >= 40);
        Assert.DoesNotContain(created.Secret, text);
        Assert.Contains(Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(Encoding.UTF8.GetBytes(created.Secret))), text);
    }

    [Fact]
    public async Task A_sweep_belongs_to_the_token_user_whatever_owner_the_client_sends()
    {
        using var rita = ApiClient.For(server, await _issuer.IssueAsync(DashboardServer.Researcher));

        // An owner key in the document is refused, naming the key; nothing is queued.
        var spoofed = await rita.PostAsync("/api/v1/sweeps", Yaml(Sweep("spoof") + "owner: admin\n"), Cancel);
        var spoofBody = await spoofed.Content.ReadAsStringAsync(Cancel);
        Assert.Equal(HttpStatusCode.BadRequest, spoofed.StatusCode);
        Assert.Contains("owner", spoofBody);

        // The same for a single run launched with an owner field.
        var run = await rita.PostAsync("/api/v1/runs", Json("""{"config":{"model":{"preset":"Transformer-Tiny"}},"owner":"admin"}"""), Cancel);
        Assert.Equal(HttpStatusCode.BadRequest, run.StatusCode);
        Assert.Contains("owner: not accepted", await run.Content.ReadAsStringAsync(Cancel));

        // Without it, the sweep and each of its runs are owned by the token's user, as the grains and the run store record them.
        var accepted = await rita.PostAsync("/api/v1/sweeps", Yaml(Sweep("owned")), Cancel);
        var created = await accepted.Content.ReadFromJsonAsync<JsonElement>(Cancel);
        Assert.True(accepted.StatusCode == HttpStatusCode.Created, created.ToString());
        var sweepId = created.GetProperty("sweepId").GetString();
        var sweep = await rita.GetFromJsonAsync<JsonElement>($"/api/v1/sweeps/{sweepId}", Cancel);
        Assert.Equal(DashboardServer.Researcher, sweep.GetProperty("spec").GetProperty("owner").GetString());
        foreach (var runId in created.GetProperty("runIds").EnumerateArray())
        {
            var snapshot = await rita.GetFromJsonAsync<JsonElement>($"/api/v1/runs/{runId.GetString()}", Cancel);
            Assert.Equal(DashboardServer.Researcher, snapshot.GetProperty("spec").GetProperty("owner").GetString());
        }

        await WaitForAsync(async () =>
        {
            var page = await rita.GetFromJsonAsync<JsonElement>($"/api/v1/runs?filter={Uri.EscapeDataString($"sweep = {sweepId}")}", Cancel);
            var items = page.GetProperty("items").EnumerateArray().ToList();
            return items.Count == created.GetProperty("runIds").GetArrayLength() && items.All(i => i.GetProperty("owner").GetString() == DashboardServer.Researcher);
        }, "the run store lists the sweep's runs as rita's");

        var cancelled = await rita.PostAsync($"/api/v1/sweeps/{sweepId}/cancel", null, Cancel);
        Assert.Equal(HttpStatusCode.OK, cancelled.StatusCode);
    }

    [Fact]
    public async Task A_researcher_cannot_set_a_priority_beyond_the_role_bound()
    {
        using var rita = ApiClient.For(server, await _issuer.IssueAsync(DashboardServer.Researcher));

        var response = await rita.PostAsync("/api/v1/sweeps", Yaml(Sweep("urgent") + "priority: 1000000\n"), Cancel);
        var body = await response.Content.ReadAsStringAsync(Cancel);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains("priority: 1000000 is outside -100..100, the range a researcher may set", body);
    }

    [Fact]
    public async Task The_OpenAPI_document_lists_every_route_and_the_reference_page_is_served()
    {
        using var anonymous = ApiClient.For(server, null);
        var document = await anonymous.GetFromJsonAsync<JsonElement>("/openapi/v1.json", Cancel);
        var paths = document.GetProperty("paths");
        foreach (var route in ApiRouteTable.All)
        {
            Assert.True(paths.TryGetProperty(route.Template, out var path), $"{route.Template} is not in the OpenAPI document");
            Assert.True(path.TryGetProperty(route.Method.ToLowerInvariant(), out _), $"{route} is not in the OpenAPI document");
        }

        Assert.All(paths.EnumerateObject(), p => Assert.StartsWith("/api/v1/", p.Name + "/"));
        Assert.Equal("bearer", document.GetProperty("components").GetProperty("securitySchemes").GetProperty("bearer").GetProperty("scheme").GetString());
        var scalar = await anonymous.GetAsync("/scalar", Cancel);
        if (scalar.StatusCode is HttpStatusCode.Redirect or HttpStatusCode.MovedPermanently) scalar = await anonymous.GetAsync(scalar.Headers.Location, Cancel);
        Assert.Equal(HttpStatusCode.OK, scalar.StatusCode);
        Assert.Contains("openapi/v1.json", await scalar.Content.ReadAsStringAsync(Cancel));
    }

    internal static string Sweep(string name) => $"""
        name: {name}
        preset: Transformer-Tiny
        steps: 400
        learningRate: 0.001
        method: grid
        maxConcurrentRuns: 1
        parameters:
          - path: training.lr
            kind: choice
            values: ["0.001", "0.002"]

        """;

    internal static StringContent Yaml(string text) => new(text, Encoding.UTF8, "application/yaml");

    internal static StringContent Json(string text) => new(text, Encoding.UTF8, "application/json");

    internal static Task<HttpResponseMessage> SendAsync(HttpClient client, ApiRoute route, string id, string? body = null)
    {
        var request = new HttpRequestMessage(new HttpMethod(route.Method), route.Path(id));
        if (route.Mutates && body is not null) request.Content = Json(body);
        return client.SendAsync(request, Cancel);
    }

    private static async Task WaitForAsync(Func<Task<bool>> condition, string what)
    {
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (DateTime.UtcNow < deadline)
        {
            if (await condition()) return;
            await Task.Delay(200, Cancel);
        }

        Assert.Fail($"timed out waiting until {what}");
    }
}
