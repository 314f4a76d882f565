using System.Net;
using System.Text.RegularExpressions;

namespace MoT.Dashboard.Tests.EndToEnd;

/// <summary>Password guessing, error pages and cross-site posts, against the real host as ./build.sh run starts it.</summary>
[Collection(DashboardCollection.Name)]
public sealed partial class SignInProtectionTests(DashboardServer server)
{
    [Fact]
    public async Task After_five_wrong_passwords_even_the_right_one_is_refused_with_a_wait()
    {
        using var session = new FormSession(server.BaseUrl);
        for (var i = 0; i < 5; i++)
        {
            var wrong = await session.SignInAsync(DashboardServer.LockoutProbeUser, "guess" + i);
            Assert.Contains("error=1", wrong);
        }

        var right = await session.SignInAsync(DashboardServer.LockoutProbeUser, DashboardServer.LockoutProbePassword);

        Assert.Contains("error=locked", right);
        var page = await session.Http.GetStringAsync(server.BaseUrl + right, TestContext.Current.CancellationToken);
        Assert.Contains("Too many failed sign-ins: try again in", page);
    }

    [Fact]
    public async Task A_post_without_antiforgery_token_gets_a_plain_400_with_no_stack_trace_or_echoed_headers()
    {
        using var http = new HttpClient(new HttpClientHandler { AllowAutoRedirect = false });
        using var request = new HttpRequestMessage(HttpMethod.Post, $"{server.BaseUrl}/account/login")
        {
            Content = new FormUrlEncodedContent(new Dictionary<string, string> { ["userName"] = "admin", ["password"] = "admin" }),
        };
        request.Headers.Add("Cookie", "secret-cookie=do-not-echo");

        var response = await http.SendAsync(request, TestContext.Current.CancellationToken);
        var body = await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.DoesNotContain("do-not-echo", body);
        Assert.DoesNotContain("   at ", body);
        Assert.DoesNotContain("Exception", body);
    }

    [Fact]
    public async Task Sign_out_needs_the_antiforgery_token()
    {
        using var http = new HttpClient(new HttpClientHandler { AllowAutoRedirect = false });

        var response = await http.PostAsync($"{server.BaseUrl}/account/logout", new FormUrlEncodedContent([]), TestContext.Current.CancellationToken);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
    }

    /// <summary>A browser-like client: cookies kept, the sign-in form's antiforgery token read from the page.</summary>
    private sealed partial class FormSession(string baseUrl) : IDisposable
    {
        public HttpClient Http { get; } = new(new HttpClientHandler { AllowAutoRedirect = false, CookieContainer = new CookieContainer() });

        /// <summary>Posts the sign-in form; returns where the server redirects to.</summary>
        public async Task<string> SignInAsync(string userName, string password)
        {
            var page = await Http.GetStringAsync($"{baseUrl}/login", TestContext.Current.CancellationToken);
            var token = TokenField().Match(page);
            Assert.True(token.Success, "no antiforgery token on /login");
            var response = await Http.PostAsync($"{baseUrl}/account/login", new FormUrlEncodedContent(new Dictionary<string, string>
            {
                ["__RequestVerificationToken"] = WebUtility.HtmlDecode(token.Groups[1].Value), ["userName"] = userName, ["password"] = password, ["returnUrl"] = "/",
            }), TestContext.Current.CancellationToken);
            Assert.Equal(HttpStatusCode.Redirect, response.StatusCode);
            return response.Headers.Location!.ToString();
        }

        public void Dispose() => Http.Dispose();

        [GeneratedRegex("name=\"__RequestVerificationToken\"[^>]*value=\"([^\"]+)\"")]
        private static partial Regex TokenField();
    }
}
