using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using MoT.Silo.Tests.Sweeps;

namespace MoT.Dashboard.Tests.EndToEnd;

/// <summary>
/// Every malformed sweep file of the shared corpus, posted to the API as it is on disk: refused with 400 and the same
/// per-key lines <c>mot sweep submit</c> prints (one reader and one schema behind both), nothing queued.
/// </summary>
[Collection(DashboardCollection.Name)]
public sealed class ApiSweepCorpusTests(DashboardServer server) : IAsyncLifetime
{
    private readonly ApiTokenIssuer _issuer = new(server);

    public ValueTask InitializeAsync() => ValueTask.CompletedTask;

    public ValueTask DisposeAsync() => _issuer.DisposeAsync();

    [Fact]
    public async Task Every_malformed_sweep_file_is_refused_with_its_expected_lines()
    {
        var cancel = TestContext.Current.CancellationToken;
        using var rita = ApiClient.For(server, await _issuer.IssueAsync(DashboardServer.Researcher));
        var wrong = new List<string>();
        var names = MalformedSweepCorpus.Names().ToList();
        foreach (var name in names)
        {
            var content = new ByteArrayContent(await File.ReadAllBytesAsync(MalformedSweepCorpus.FileOf(name), cancel)) { Headers = { ContentType = new("application/yaml") } };
            using var response = await rita.PostAsync("/api/v1/sweeps", content, cancel);
            var text = await response.Content.ReadAsStringAsync(cancel);
            if (response.StatusCode != HttpStatusCode.BadRequest)
            {
                wrong.Add($"{name}: {(int)response.StatusCode} {text}");
                continue;
            }

            var problem = JsonSerializer.Deserialize<JsonElement>(text);
            var lines = problem.TryGetProperty("errors", out var errors)
                ? errors.EnumerateArray().Select(e => $"{e.GetProperty("path").GetString()}: {e.GetProperty("message").GetString()}").ToList()
                : [problem.GetProperty("detail").GetString()!];
            // Lines about the whole file name the file on the command line and "body" here; the rest must match exactly.
            foreach (var expected in MalformedSweepCorpus.Expected(name).Where(l => !l.StartsWith(name + ".yaml", StringComparison.Ordinal)))
            {
                if (!lines.Contains(expected)) wrong.Add($"{name}: missing '{expected}' in [{string.Join(" | ", lines)}]");
            }

            foreach (var forbidden in MalformedSweepCorpus.Forbidden.Where(f => text.Contains(f, StringComparison.Ordinal)))
                wrong.Add($"{name}: contains '{forbidden}': {text}");
        }

        Assert.True(names.Count > 20, $"only {names.Count} corpus files found");
        Assert.True(wrong.Count == 0, string.Join("\n", wrong));
    }
}
