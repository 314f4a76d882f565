using System.Net;
using MoT.Dashboard.Hosting;

namespace MoT.Dashboard.Tests.EndToEnd;

/// <summary>The endpoint the compose healthcheck and the Kubernetes probes call, against the real host.</summary>
[Collection(DashboardCollection.Name)]
public sealed class HealthEndpointTests(DashboardServer server)
{
    [Fact]
    public async Task Health_answers_200_Healthy_without_signing_in()
    {
        using var http = new HttpClient(new HttpClientHandler { AllowAutoRedirect = false });

        var response = await http.GetAsync($"{server.BaseUrl}{DashboardHostingExtensions.HealthPath}", TestContext.Current.CancellationToken);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("Healthy", await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken));
    }

    [Fact]
    public async Task Pages_still_require_sign_in_next_to_the_anonymous_health_endpoint()
    {
        using var http = new HttpClient(new HttpClientHandler { AllowAutoRedirect = false });

        var response = await http.GetAsync($"{server.BaseUrl}/runs", TestContext.Current.CancellationToken);

        Assert.NotEqual(HttpStatusCode.OK, response.StatusCode);
    }
}
