using System.Net;
using System.Net.Http.Json;
using System.Text;

namespace MoT.Dashboard.Tests.EndToEnd;

/// <summary>
/// Malformed ids, bodies and query values sent to every API route: each answer is a caller's error (4xx) in
/// problem+json with one line, never a stack trace, a .NET type name or a source path.
/// </summary>
[Collection(DashboardCollection.Name)]
public sealed class ApiErrorTests(DashboardServer server) : IAsyncLifetime
{
    private readonly ApiTokenIssuer _issuer = new(server);

    private static readonly string[] Leaks = ["   at ", "Exception", "System.", ".cs:line", "/work/", "/home/", "MoT."];

    private static readonly string[] BadIds = ["not-a-guid", "1", "%00", new string('9', 5000), "00000000-0000-0000-0000-00000000000g"];

    private static readonly (string Name, string ContentType, string Body)[] BadBodies =
    [
        ("truncated JSON", "application/json", """{"config": {"model": """),
        ("wrong types", "application/json", """{"config": 5, "priority": "high"}"""),
        ("a list", "application/json", "[1,2,3]"),
        ("deep nesting", "application/json", new string('[', 5000) + new string(']', 5000)),
        ("YAML tabs and garbage", "application/yaml", "name: x\n\t- : : [\n"),
        ("YAML alias bomb", "application/yaml", "a: &a [x, x, x, x, x, x, x, x, x]\nb: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a]\nc: [*b, *b, *b, *b, *b, *b, *b, *b, *b]\n"),
        ("not UTF-8", "application/json", "\uFFFD"),
        ("huge", "application/json", "{\"config\": \"" + new string('x', 3 << 20) + "\"}"),
        ("empty", "application/json", ""),
    ];

    private static CancellationToken Cancel => TestContext.Current.CancellationToken;

    public ValueTask InitializeAsync() => ValueTask.CompletedTask;

    public ValueTask DisposeAsync() => _issuer.DisposeAsync();

    [Fact]
    public async Task Malformed_ids_bodies_and_queries_get_a_one_line_4xx_problem_on_every_route()
    {
        using var rita = ApiClient.For(server, await _issuer.IssueAsync(DashboardServer.Researcher));
        var wrong = new List<string>();
        var probes = 0;

        foreach (var route in ApiRouteTable.All)
        {
            var ids = route.Template.Contains('{') ? BadIds : [Guid.NewGuid().ToString()];
            foreach (var id in ids)
            {
                foreach (var (name, contentType, body) in route.Mutates ? BadBodies : [("no body", "", "")])
                {
                    using var request = new HttpRequestMessage(new HttpMethod(route.Method), route.Path(Uri.EscapeDataString(id)) + "?filter=" + Uri.EscapeDataString("owner = (((") + "&pageSize=-5&maxPoints=huge");
                    if (contentType.Length > 0)
                        request.Content = new ByteArrayContent(name == "not UTF-8" ? [0xC3, 0x28, 0xFF] : Encoding.UTF8.GetBytes(body)) { Headers = { ContentType = new(contentType) } };
                    using var response = await rita.SendAsync(request, Cancel);
                    var text = await response.Content.ReadAsStringAsync(Cancel);
                    probes++;
                    var status = (int)response.StatusCode;
                    var leak = Leaks.FirstOrDefault(l => text.Contains(l, StringComparison.Ordinal));
                    // A route that reads no input may answer 2xx to junk it ignores; one given a bad id or body must refuse it.
                    var takesInput = route.Template.Contains('{') || route.Mutates;
                    if (status >= 500 || (takesInput && status < 400) || leak is not null || (status >= 400 && text.Length > 0 && response.Content.Headers.ContentType?.MediaType != "application/problem+json"))
                        wrong.Add($"{route} id={Clip(id)} body={name}: {status} {(leak is null ? "" : $"leaks '{leak}': ")}{Clip(text, 300)}");
                }
            }
        }

        Assert.True(probes > 100, $"only {probes} probes");
        Assert.True(wrong.Count == 0, $"{wrong.Count} of {probes} probes answered badly:\n" + string.Join("\n", wrong.Take(40)));
    }

    [Fact]
    public async Task Each_bad_field_is_named_in_the_detail()
    {
        using var rita = ApiClient.For(server, await _issuer.IssueAsync(DashboardServer.Researcher));

        Assert.StartsWith("runId: 'nope' is not an id", await DetailAsync(await rita.GetAsync("/api/v1/runs/nope", Cancel)));
        Assert.StartsWith("pageSize: 0 is outside 1..1000", await DetailAsync(await rita.GetAsync("/api/v1/runs?pageSize=0", Cancel)));
        Assert.StartsWith("maxPoints: 'many' is not a whole number", await DetailAsync(await rita.GetAsync($"/api/v1/runs/{Guid.NewGuid()}/metrics?maxPoints=many", Cancel)));
        Assert.StartsWith("config: must be a JSON object", await DetailAsync(await rita.PostAsync("/api/v1/runs", ApiSecurityTests.Json("""{"config": 5}"""), Cancel)));
        Assert.StartsWith("config: is required", await DetailAsync(await rita.PostAsync("/api/v1/runs", ApiSecurityTests.Json("""{"priority": 1}"""), Cancel)));
        Assert.StartsWith("colour: unknown field", await DetailAsync(await rita.PostAsync("/api/v1/runs", ApiSecurityTests.Json("""{"config": {}, "colour": 1}"""), Cancel)));
        var steps = await DetailAsync(await rita.PostAsync("/api/v1/sweeps", ApiSecurityTests.Yaml(ApiSecurityTests.Sweep("bad").Replace("steps: 400", "steps: -3")), Cancel));
        Assert.Contains("steps", steps);
        var unknownRun = await rita.PostAsync($"/api/v1/runs/{Guid.NewGuid()}/resume", null, Cancel);
        Assert.Equal(HttpStatusCode.NotFound, unknownRun.StatusCode);
        var unknownSweep = await rita.GetAsync($"/api/v1/sweeps/{Guid.NewGuid()}", Cancel);
        Assert.Equal(HttpStatusCode.NotFound, unknownSweep.StatusCode);
    }

    private static async Task<string> DetailAsync(HttpResponseMessage response)
    {
        var problem = await response.Content.ReadFromJsonAsync<System.Text.Json.JsonElement>(Cancel);
        Assert.True((int)response.StatusCode is >= 400 and < 500, problem.ToString());
        return problem.GetProperty("detail").GetString()!;
    }

    private static string Clip(string text, int length = 40) => text.Length > length ? text[..length] + "..." : text;
}
