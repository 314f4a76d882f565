using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace MoT.Cli.Api;

/// <summary>
/// The platform's HTTP API (/api/v1) for <c>mot</c>: every failure becomes one line the user can act on —
/// unreachable within the timeout, token rejected (401), not allowed (403, naming the action), or the problem's detail.
/// </summary>
internal sealed class PlatformApi : IDisposable
{
    public static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web) { Converters = { new JsonStringEnumConverter() } };

    private readonly HttpClient _http;
    private readonly string _baseUrl;

    public PlatformApi(ApiSettings settings, TimeSpan timeout)
    {
        if (!Uri.TryCreate(settings.Url, UriKind.Absolute, out var url) || url.Scheme is not ("http" or "https"))
            throw new InvalidOperationException($"API URL '{settings.Url}' is not an http(s) URL; run mot login URL or set {ApiSettings.UrlVariable}");
        if (string.IsNullOrWhiteSpace(settings.Token))
            throw new InvalidOperationException($"no API token for {url}: run mot login {url} (or set {ApiSettings.TokenVariable})");
        _baseUrl = url.ToString().TrimEnd('/');
        _http = new HttpClient { BaseAddress = new Uri(_baseUrl + "/"), Timeout = timeout };
        _http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", settings.Token);
    }

    public Task<T> GetAsync<T>(string path, CancellationToken cancel) => SendAsync<T>(HttpMethod.Get, path, null, cancel);

    public Task<T> PostAsync<T>(string path, HttpContent? body, CancellationToken cancel) => SendAsync<T>(HttpMethod.Post, path, body, cancel);

    public static HttpContent Yaml(string text) => new StringContent(text, Encoding.UTF8, "application/yaml");

    private async Task<T> SendAsync<T>(HttpMethod method, string path, HttpContent? body, CancellationToken cancel)
    {
        using var request = new HttpRequestMessage(method, "api/v1/" + path.TrimStart('/')) { Content = body };
        HttpResponseMessage response;
        try
        {
            response = await _http.SendAsync(request, cancel);
        }
        catch (TaskCanceledException) when (!cancel.IsCancellationRequested)
        {
            throw new InvalidOperationException($"no answer from {_baseUrl} within {_http.Timeout.TotalSeconds:0} s; is the platform running? (--connect-timeout waits longer)");
        }
        catch (OperationCanceledException)
        {
            throw new InvalidOperationException($"interrupted while calling {_baseUrl}");
        }
        catch (HttpRequestException error)
        {
            throw new InvalidOperationException($"cannot reach {_baseUrl} ({Innermost(error)}); is the platform running and the URL right? (mot login URL)");
        }

        using (response)
        {
            var text = await response.Content.ReadAsStringAsync(cancel);
            if (response.IsSuccessStatusCode)
                return JsonSerializer.Deserialize<T>(text, Json) ?? throw new InvalidDataException($"{_baseUrl} answered {path} with nothing");
            throw Failure(response.StatusCode, text);
        }
    }

    /// <summary>The error for a refused request: the API's own one-line detail where it gives one.</summary>
    private Exception Failure(HttpStatusCode status, string body)
    {
        var problem = Problem.Read(body);
        return status switch
        {
            HttpStatusCode.Unauthorized => new UnauthorizedAccessException($"token rejected by {_baseUrl}: run mot login {_baseUrl}"),
            HttpStatusCode.Forbidden => new UnauthorizedAccessException($"not allowed: {problem?.Detail ?? "your role may not do this"}"),
            HttpStatusCode.NotFound when problem?.Detail is null => new InvalidOperationException($"{_baseUrl} has no such API route; is it a MoT platform dashboard of this version?"),
            _ when (int)status >= 500 => new InvalidOperationException($"the platform failed ({(int)status}): {problem?.Detail ?? "no details"}"),
            _ => new ApiRefusedException(problem?.Detail ?? $"refused ({(int)status})", problem?.Errors ?? []),
        };
    }

    private static string Innermost(Exception error)
    {
        while (error.InnerException is not null) error = error.InnerException;
        return error.Message;
    }

    public void Dispose() => _http.Dispose();

    /// <summary>RFC 7807 problem details as the API writes them (errors: a refused sweep's problems by key path).</summary>
    private sealed record Problem(string? Detail, IReadOnlyList<FieldProblem>? Errors)
    {
        public static Problem? Read(string body)
        {
            try
            {
                return JsonSerializer.Deserialize<Problem>(body, Json);
            }
            catch (JsonException)
            {
                return null;
            }
        }
    }
}

/// <summary>One problem of a refused document, by key path.</summary>
internal sealed record FieldProblem(string Path, string Message);

/// <summary>The API refused a request the user sent (bad input, not found, conflict): its one-line detail and any per-field problems.</summary>
internal sealed class ApiRefusedException(string message, IReadOnlyList<FieldProblem> problems) : InvalidOperationException(message)
{
    public IReadOnlyList<FieldProblem> Problems { get; } = problems;
}
