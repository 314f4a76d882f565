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
    public async Task Malformed_and_hostile_requests_never_get_a_stack_trace_or_echoed_headers_and_server_errors_name_a_request_id()
    {
        var ct = TestContext.Current.CancellationToken;
        using var signedIn = new FormSession(server.BaseUrl);
        await signedIn.SignInAsync("viewer", "viewer");
        var anonymous = new HttpClient(new HttpClientHandler { AllowAutoRedirect = false });
        HttpRequestMessage Request(HttpMethod method, string path, HttpContent? content = null)
        {
            var request = new HttpRequestMessage(method, server.BaseUrl + path) { Content = content };
            request.Headers.Add("X-Probe", "echo-probe-header");
            return request;
        }

        static HttpContent Raw(string body, string contentType)
        {
            var content = new StringContent(body);
            content.Headers.Remove("Content-Type");
            content.Headers.TryAddWithoutValidation("Content-Type", contentType);
            return content;
        }

        var probes = new List<(string What, HttpClient Client, HttpRequestMessage Request)>
        {
            ("login with a broken multipart body", anonymous, Request(HttpMethod.Post, "/account/login", Raw("--x\r\nContent-Disposition: form-data; name=\"userName\"\r\n\r\nadmin", "multipart/form-data; boundary=x"))),
            ("login with JSON", anonymous, Request(HttpMethod.Post, "/account/login", Raw("{\"userName\":\"admin\"}", "application/json"))),
            ("login with a 2 MB field", anonymous, Request(HttpMethod.Post, "/account/login", new FormUrlEncodedContent([new("userName", new string('a', 2_000_000))]))),
            ("PUT on the login endpoint", anonymous, Request(HttpMethod.Put, "/account/login")),
            ("anonymous password change", anonymous, Request(HttpMethod.Post, "/account/change-password", new FormUrlEncodedContent([]))),
            ("password change without antiforgery", signedIn.Http, Request(HttpMethod.Post, "/account/change-password", new FormUrlEncodedContent([new("newPassword", "x")]))),
            ("a run id that is not a guid", signedIn.Http, Request(HttpMethod.Get, "/runs/not-a-guid")),
            ("a run that does not exist", signedIn.Http, Request(HttpMethod.Get, "/runs/" + Guid.NewGuid())),
            ("a sweep that does not exist", signedIn.Http, Request(HttpMethod.Get, "/sweeps/" + Guid.NewGuid())),
            ("a filter that does not parse", signedIn.Http, Request(HttpMethod.Get, "/runs?filter=status%20%3D%3D%3D%20(")),
            ("compare with garbage ids", signedIn.Http, Request(HttpMethod.Get, "/compare?runs=zz,%00,../../etc/passwd")),
            ("a Blazor hub call with a forged circuit", signedIn.Http, Request(HttpMethod.Post, "/_blazor/negotiate?negotiateVersion=1", Raw("garbage", "text/plain"))),
            ("a path with encoded traversal", anonymous, Request(HttpMethod.Get, "/_content/..%2f..%2fappsettings.json")),
        };
        var failures = new List<string>();
        foreach (var (what, client, request) in probes)
        {
            using var response = await client.SendAsync(request, ct);
            var body = await response.Content.ReadAsStringAsync(ct);
            var status = (int)response.StatusCode;
            TestContext.Current.TestOutputHelper?.WriteLine($"{what}: {status}");
            if (body.Contains("   at ") || body.Contains("Exception") || body.Contains(".cs:line") || body.Contains("echo-probe-header"))
                failures.Add($"{what}: {status} leaks internals: {body[..Math.Min(body.Length, 300)]}");
            if (status >= 500 && !body.Contains("request id"))
                failures.Add($"{what}: {status} without a request id");
        }

        Assert.True(failures.Count == 0, string.Join("\n", failures) + "\n--- dashboard log ---\n" + server.Log[^Math.Min(server.Log.Length, 4000)..]);
        var errorPage = await anonymous.GetStringAsync(server.BaseUrl + "/error", ct);
        Assert.Matches("request id <code data-testid=\"request-id\">[^<]+</code>", errorPage);
    }

    [Fact]
    public async Task Sign_out_needs_the_antiforgery_token()
    {
        using var http = new HttpClient(new HttpClientHandler { AllowAutoRedirect = false });

        var response = await http.PostAsync($"{server.BaseUrl}/account/logout", new FormUrlEncodedContent([]), TestContext.Current.CancellationToken);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
    }

    [Fact]
    public async Task Fast_sign_in_attempts_from_one_address_get_429_with_Retry_After_and_other_addresses_are_not_affected()
    {
        // Another loopback address than the other tests' 127.0.0.1: the limit is per client address.
        using var prober = new FormSession(server.BaseUrl, IPAddress.Parse("127.0.0.2"));
        HttpResponseMessage? limited = null;
        var attempts = 0;
        for (; attempts <= DashboardServer.SignInAttemptsPerMinute + 1 && limited is null; attempts++)
        {
            var response = await prober.PostSignInAsync("rate-probe", "guess" + attempts);
            if (response.StatusCode == HttpStatusCode.TooManyRequests) limited = response;
            else Assert.Equal(HttpStatusCode.Redirect, response.StatusCode);
        }

        Assert.True(limited is not null, $"no 429 after {attempts} sign-in attempts in a row");
        Assert.Equal(DashboardServer.SignInAttemptsPerMinute + 1, attempts); // exactly the configured number passed
        var retryAfter = int.Parse(limited.Headers.GetValues("Retry-After").Single());
        Assert.InRange(retryAfter, 1, 60);
        var body = await limited.Content.ReadAsStringAsync(TestContext.Current.CancellationToken);
        Assert.Equal($"Too many sign-in attempts from this address: try again in {retryAfter} s.", body.TrimEnd('\n'));
        using var neighbour = new FormSession(server.BaseUrl);
        Assert.Equal(HttpStatusCode.Redirect, (await neighbour.PostSignInAsync("rate-probe", "guess")).StatusCode);
    }

    [Fact]
    public async Task A_seeded_password_must_be_changed_before_anything_else_and_the_old_one_stops_working()
    {
        using var session = new FormSession(server.BaseUrl);
        const string newPassword = "newcomer-own-secret";

        Assert.Equal("/account/password", await session.SignInAsync(DashboardServer.NewcomerUser, DashboardServer.NewcomerPassword));
        foreach (var page in new[] { "/runs", "/", "/admin/audit", "/sweeps/new" })
        {
            var response = await session.Http.GetAsync(server.BaseUrl + page, TestContext.Current.CancellationToken);
            Assert.True(response.StatusCode == HttpStatusCode.Redirect && response.Headers.Location!.ToString() == "/account/password",
                $"GET {page} answered {(int)response.StatusCode} {response.Headers.Location} while the password must change");
        }

        var hub = await session.Http.PostAsync($"{server.BaseUrl}/_blazor/negotiate?negotiateVersion=1", new StringContent(""), TestContext.Current.CancellationToken);
        Assert.Equal(HttpStatusCode.Forbidden, hub.StatusCode); // no interactive circuit either
        var changePage = await session.Http.GetStringAsync($"{server.BaseUrl}/account/password", TestContext.Current.CancellationToken);
        Assert.Contains("choose your own before you continue", changePage);

        var tooShort = await session.ChangePasswordAsync(DashboardServer.NewcomerPassword, "short", "short");
        Assert.Contains("error=", tooShort);
        Assert.Contains("at least 10 characters", WebUtility.UrlDecode(tooShort));
        var wrongCurrent = await session.ChangePasswordAsync("not-it", newPassword, newPassword);
        Assert.Contains("current password is wrong", WebUtility.UrlDecode(wrongCurrent));
        Assert.Equal("/", await session.ChangePasswordAsync(DashboardServer.NewcomerPassword, newPassword, newPassword));
        Assert.Equal(HttpStatusCode.OK, (await session.Http.GetAsync($"{server.BaseUrl}/runs", TestContext.Current.CancellationToken)).StatusCode);

        using var again = new FormSession(server.BaseUrl);
        Assert.Contains("error=1", await again.SignInAsync(DashboardServer.NewcomerUser, DashboardServer.NewcomerPassword));
        Assert.Equal("/", await again.SignInAsync(DashboardServer.NewcomerUser, newPassword));
    }

    [Fact]
    public async Task The_dashboards_silo_and_gateway_ports_are_not_reachable_on_a_non_loopback_address()
    {
        var external = System.Net.NetworkInformation.NetworkInterface.GetAllNetworkInterfaces()
            .Where(n => n.OperationalStatus == System.Net.NetworkInformation.OperationalStatus.Up && n.NetworkInterfaceType != System.Net.NetworkInformation.NetworkInterfaceType.Loopback)
            .SelectMany(n => n.GetIPProperties().UnicastAddresses).Select(a => a.Address)
            .FirstOrDefault(a => a.AddressFamily == System.Net.Sockets.AddressFamily.InterNetwork && !IPAddress.IsLoopback(a));
        Assert.True(external is not null, "this machine has no non-loopback IPv4 interface that is up, so exposure on another address cannot be probed here");

        Assert.True(await AcceptsAsync(IPAddress.Loopback, server.GatewayPort), $"the gateway does not answer on loopback either:\n{server.Log}");
        Assert.False(await AcceptsAsync(external!, server.GatewayPort), $"the gateway port {server.GatewayPort} accepts connections on {external}");
        Assert.False(await AcceptsAsync(external!, server.SiloPort), $"the silo port {server.SiloPort} accepts connections on {external}");
    }

    private static async Task<bool> AcceptsAsync(IPAddress address, int port)
    {
        using var client = new System.Net.Sockets.TcpClient(System.Net.Sockets.AddressFamily.InterNetwork);
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(5));
        try
        {
            await client.ConnectAsync(address, port, timeout.Token);
            return true;
        }
        catch (Exception error) when (error is System.Net.Sockets.SocketException or OperationCanceledException)
        {
            return false;
        }
    }

    /// <summary>A browser-like client: cookies kept, the forms' antiforgery tokens read from the pages; optionally from another local address.</summary>
    private sealed partial class FormSession(string baseUrl, IPAddress? localAddress = null) : IDisposable
    {
        public HttpClient Http { get; } = new(Handler(localAddress));

        private static SocketsHttpHandler Handler(IPAddress? localAddress)
        {
            var handler = new SocketsHttpHandler { AllowAutoRedirect = false, CookieContainer = new CookieContainer() };
            if (localAddress is not null)
                handler.ConnectCallback = async (context, cancel) =>
                {
                    var socket = new System.Net.Sockets.Socket(System.Net.Sockets.SocketType.Stream, System.Net.Sockets.ProtocolType.Tcp);
                    socket.Bind(new IPEndPoint(localAddress, 0));
                    await socket.ConnectAsync(context.DnsEndPoint, cancel);
                    return new System.Net.Sockets.NetworkStream(socket, ownsSocket: true);
                };
            return handler;
        }

        /// <summary>Posts the sign-in form; returns where the server redirects to.</summary>
        public async Task<string> SignInAsync(string userName, string password)
        {
            var response = await PostSignInAsync(userName, password);
            Assert.Equal(HttpStatusCode.Redirect, response.StatusCode);
            return response.Headers.Location!.ToString();
        }

        public async Task<HttpResponseMessage> PostSignInAsync(string userName, string password) =>
            await Http.PostAsync($"{baseUrl}/account/login", new FormUrlEncodedContent(new Dictionary<string, string>
            {
                ["__RequestVerificationToken"] = await TokenAsync("/login"), ["userName"] = userName, ["password"] = password, ["returnUrl"] = "/",
            }), TestContext.Current.CancellationToken);

        /// <summary>Posts the change-password form; returns where the server redirects to.</summary>
        public async Task<string> ChangePasswordAsync(string current, string next, string confirmation)
        {
            var response = await Http.PostAsync($"{baseUrl}/account/change-password", new FormUrlEncodedContent(new Dictionary<string, string>
            {
                ["__RequestVerificationToken"] = await TokenAsync("/account/password"), ["currentPassword"] = current, ["newPassword"] = next, ["confirmation"] = confirmation,
            }), TestContext.Current.CancellationToken);
            Assert.Equal(HttpStatusCode.Redirect, response.StatusCode);
            return response.Headers.Location!.ToString();
        }

        private async Task<string> TokenAsync(string page)
        {
            var html = await Http.GetStringAsync(baseUrl + page, TestContext.Current.CancellationToken);
            var token = TokenField().Match(html);
            Assert.True(token.Success, $"no antiforgery token on {page}");
            return WebUtility.HtmlDecode(token.Groups[1].Value);
        }

        public void Dispose() => Http.Dispose();

        [GeneratedRegex("name=\"__RequestVerificationToken\"[^>]*value=\"([^\"]+)\"")]
        private static partial Regex TokenField();
    }
}
