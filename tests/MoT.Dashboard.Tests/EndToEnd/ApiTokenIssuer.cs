using Microsoft.Extensions.DependencyInjection;
using MoT.Dashboard.Accounts;
using MoT.Data;

namespace MoT.Dashboard.Tests.EndToEnd;

/// <summary>
/// Issues and revokes API tokens in the running dashboard's own SQLite store, as the tokens page does, so API tests can
/// hold tokens for each role without driving the page.
/// </summary>
public sealed class ApiTokenIssuer : IAsyncDisposable
{
    private readonly ServiceProvider _services;

    public ApiTokenIssuer(DashboardServer server)
    {
        _services = new ServiceCollection()
            .AddMotData(MotDataOptions.DefaultSqlite(server.DataDirectory))
            .AddSingleton(TimeProvider.System)
            .AddSingleton<ApiTokenService>()
            .BuildServiceProvider();
    }

    public ApiTokenService Tokens => _services.GetRequiredService<ApiTokenService>();

    public async Task<string> IssueAsync(string userName) =>
        (await Tokens.CreateAsync(userName, "test " + Guid.NewGuid().ToString("N")[..6], TestContext.Current.CancellationToken)).Secret;

    public ValueTask DisposeAsync() => _services.DisposeAsync();
}

/// <summary>An HTTP client of the API with one token (or none).</summary>
public static class ApiClient
{
    public static HttpClient For(DashboardServer server, string? token)
    {
        var http = new HttpClient(new HttpClientHandler { AllowAutoRedirect = false }) { BaseAddress = new Uri(server.BaseUrl) };
        if (token is not null) http.DefaultRequestHeaders.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", token);
        return http;
    }
}
