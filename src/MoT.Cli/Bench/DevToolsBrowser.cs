using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net.WebSockets;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;

namespace MoT.Cli.Bench;

/// <summary>
/// Headless chromium driven over the Chrome DevTools Protocol (one WebSocket, one session per page): enough to open
/// pages that hold live Blazor circuits and to time actions inside them with the page's own clock. Used instead of a
/// browser-automation package so that <c>mot</c> carries no driver; the browser is the system's chromium.
/// </summary>
internal sealed partial class DevToolsBrowser : IAsyncDisposable
{
    public const string DefaultChromium = "/usr/bin/chromium";

    private readonly Process _process;
    private readonly ClientWebSocket _socket = new();
    private readonly string _profile;
    private readonly ConcurrentDictionary<long, TaskCompletionSource<JsonObject>> _pending = new();
    private readonly SemaphoreSlim _sendLock = new(1, 1);
    private readonly CancellationTokenSource _stop = new();
    private Task? _receiving;
    private long _nextId;

    private DevToolsBrowser(Process process, string profile)
    {
        _process = process;
        _profile = profile;
    }

    /// <summary>The browser's main process (its renderers are children of it).</summary>
    public int ProcessId => _process.Id;

    /// <summary>Protocol events (method, session id, parameters) of the domains a caller enabled; raised on the receiving thread.</summary>
    public event Action<string, string?, JsonObject>? Event;

    /// <summary>Reports the page's WebSocket frames (its Blazor circuit) as <c>Network.webSocketFrame*</c> events.</summary>
    public Task WatchNetworkAsync(string page, CancellationToken cancellationToken) =>
        SendAsync("Network.enable", [], page, cancellationToken);

    public static async Task<DevToolsBrowser> LaunchAsync(string chromium, CancellationToken cancellationToken)
    {
        if (!File.Exists(chromium)) throw new InvalidOperationException($"--chromium: {chromium} does not exist (apt-get install -y chromium)");
        var profile = Path.Combine(Path.GetTempPath(), "mot-bench-chromium-" + Guid.NewGuid().ToString("N")[..8]);
        var start = new ProcessStartInfo(chromium) { RedirectStandardError = true, RedirectStandardOutput = true, UseShellExecute = false };
        foreach (var arg in new[]
                 {
                     "--headless", "--no-sandbox", "--disable-gpu", "--remote-debugging-port=0", $"--user-data-dir={profile}",
                     // Every page counts as in front: no timer throttling of the pages that only stream.
                     "--disable-background-timer-throttling", "--disable-renderer-backgrounding", "--disable-backgrounding-occluded-windows",
                     "--disable-background-networking", "--disable-component-update", "--no-first-run", "--disable-sync", "about:blank",
                 })
            start.ArgumentList.Add(arg);
        var process = Process.Start(start) ?? throw new InvalidOperationException($"could not start {chromium}");
        var browser = new DevToolsBrowser(process, profile);
        var endpoint = new TaskCompletionSource<string>(TaskCreationOptions.RunContinuationsAsynchronously);
        process.ErrorDataReceived += (_, e) =>
        {
            if (e.Data is { } line && DevToolsLine().Match(line) is { Success: true } match) endpoint.TrySetResult(match.Groups[1].Value);
        };
        process.OutputDataReceived += (_, _) => { };
        process.BeginErrorReadLine();
        process.BeginOutputReadLine();
        try
        {
            var url = await endpoint.Task.WaitAsync(TimeSpan.FromSeconds(60), cancellationToken);
            await browser._socket.ConnectAsync(new Uri(url), cancellationToken);
            browser._receiving = Task.Run(browser.ReceiveAsync);
            return browser;
        }
        catch
        {
            await browser.DisposeAsync();
            throw;
        }
    }

    /// <summary>A new page (tab) on <paramref name="url"/>; its session id addresses it.</summary>
    public async Task<string> NewPageAsync(string url, CancellationToken cancellationToken)
    {
        var target = await SendAsync("Target.createTarget", new JsonObject { ["url"] = url }, null, cancellationToken);
        var attached = await SendAsync("Target.attachToTarget", new JsonObject { ["targetId"] = target["targetId"]!.GetValue<string>(), ["flatten"] = true }, null, cancellationToken);
        return attached["sessionId"]!.GetValue<string>();
    }

    /// <summary>Makes the page the browser's foreground tab (the one a person acts in; the others are hidden).</summary>
    public Task BringToFrontAsync(string page, CancellationToken cancellationToken) =>
        SendAsync("Page.bringToFront", [], page, cancellationToken);

    public Task NavigateAsync(string page, string url, CancellationToken cancellationToken) =>
        SendAsync("Page.navigate", new JsonObject { ["url"] = url }, page, cancellationToken);

    /// <summary>Evaluates a JavaScript expression in the page (a promise is awaited) and returns its JSON value.</summary>
    public async Task<JsonNode?> EvaluateAsync(string page, string expression, CancellationToken cancellationToken)
    {
        var result = await SendAsync("Runtime.evaluate",
            new JsonObject { ["expression"] = expression, ["awaitPromise"] = true, ["returnByValue"] = true }, page, cancellationToken);
        if (result["exceptionDetails"] is JsonObject exception)
            throw new InvalidOperationException($"script failed in the page: {exception["exception"]?["description"] ?? exception["text"]}");
        return result["result"]?["value"]?.DeepClone();
    }

    /// <summary>Waits until <paramref name="condition"/> (a JavaScript expression) is true in the page; false after the timeout.</summary>
    public async Task<bool> WaitForAsync(string page, string condition, TimeSpan timeout, CancellationToken cancellationToken)
    {
        var deadline = Stopwatch.StartNew();
        while (deadline.Elapsed < timeout)
        {
            try
            {
                // Polled in the page; a navigation in between destroys the context and the loop asks again.
                var left = (int)Math.Max(100, (timeout - deadline.Elapsed).TotalMilliseconds);
                if (await EvaluateAsync(page, Until(condition, left), cancellationToken) is JsonValue value && value.GetValue<double>() >= 0) return true;
            }
            catch (InvalidOperationException)
            {
                await Task.Delay(100, cancellationToken);
            }
        }

        return false;
    }

    /// <summary>A script that resolves to the milliseconds <paramref name="condition"/> took to hold (-1: not within the timeout).</summary>
    public static string Until(string condition, int timeoutMs) =>
        $$"""
          new Promise(resolve => {
            const t0 = performance.now();
            const poll = () => {
              let ok = false; try { ok = !!({{condition}}); } catch (e) { }
              if (ok) return resolve(performance.now() - t0);
              if (performance.now() - t0 > {{timeoutMs}}) return resolve(-1);
              setTimeout(poll, 5);
            };
            poll();
          })
          """;

    private async Task<JsonObject> SendAsync(string method, JsonObject parameters, string? session, CancellationToken cancellationToken)
    {
        var id = Interlocked.Increment(ref _nextId);
        var message = new JsonObject { ["id"] = id, ["method"] = method, ["params"] = parameters };
        if (session is not null) message["sessionId"] = session;
        var reply = new TaskCompletionSource<JsonObject>(TaskCreationOptions.RunContinuationsAsynchronously);
        _pending[id] = reply;
        var bytes = Encoding.UTF8.GetBytes(message.ToJsonString());
        await _sendLock.WaitAsync(cancellationToken);
        try
        {
            await _socket.SendAsync(bytes, WebSocketMessageType.Text, true, cancellationToken);
        }
        finally
        {
            _sendLock.Release();
        }

        var answer = await reply.Task.WaitAsync(TimeSpan.FromMinutes(2), cancellationToken);
        if (answer["error"] is JsonObject error) throw new InvalidOperationException($"browser refused {method}: {error["message"]}");
        return answer["result"] as JsonObject ?? [];
    }

    private async Task ReceiveAsync()
    {
        var buffer = new byte[64 * 1024];
        var message = new MemoryStream();
        try
        {
            while (!_stop.IsCancellationRequested && _socket.State == WebSocketState.Open)
            {
                var part = await _socket.ReceiveAsync(buffer, _stop.Token);
                if (part.MessageType == WebSocketMessageType.Close) break;
                message.Write(buffer, 0, part.Count);
                if (!part.EndOfMessage) continue;
                var node = JsonNode.Parse(message.GetBuffer().AsSpan(0, (int)message.Length)) as JsonObject;
                message.SetLength(0);
                if (node?["id"] is JsonValue id && _pending.TryRemove(id.GetValue<long>(), out var waiter)) waiter.TrySetResult(node);
                else if (node?["method"] is JsonValue method && node["params"] is JsonObject parameters)
                    Event?.Invoke(method.GetValue<string>(), node["sessionId"]?.GetValue<string>(), parameters);
            }
        }
        catch (Exception error) when (error is OperationCanceledException or WebSocketException or JsonException)
        {
        }

        foreach (var waiter in _pending.Values) waiter.TrySetException(new InvalidOperationException("the browser closed its DevTools connection"));
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        try
        {
            if (_socket.State == WebSocketState.Open) await _socket.CloseOutputAsync(WebSocketCloseStatus.NormalClosure, null, CancellationToken.None);
        }
        catch (WebSocketException)
        {
        }

        if (_receiving is not null) await _receiving.WaitAsync(TimeSpan.FromSeconds(5)).ContinueWith(_ => { });
        _socket.Dispose();
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            await _process.WaitForExitAsync();
        }

        _process.Dispose();
        try { Directory.Delete(_profile, recursive: true); } catch (IOException) { } catch (UnauthorizedAccessException) { }
    }

    [GeneratedRegex(@"DevTools listening on (ws://\S+)")]
    private static partial Regex DevToolsLine();
}
