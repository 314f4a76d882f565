using System.Diagnostics;
using System.Net;
using System.Text.Json.Nodes;

namespace MoT.Cli.Bench;

/// <summary>One page action's timings (ms, measured in the page from the click or keystroke to the updated view).
/// <paramref name="Judged"/> is false for an action whose time includes a wait the page makes on purpose (the filter box's
/// debounce while someone types): it is shown, but not held against the target.</summary>
public sealed record PageActionTimes(string Action, IReadOnlyList<double> SortedMs, bool Judged = true)
{
    public double P50 => SchedulerBenchmark.Percentile(SortedMs, 0.50);
    public double P95 => SchedulerBenchmark.Percentile(SortedMs, 0.95);
}

/// <summary>Cores kept busy over a stretch of the benchmark: by the dashboard process, by the browser (all its processes), and
/// by the whole machine (everything else on it included).</summary>
public sealed record CpuSplit(double Seconds, double DashboardCores, double BrowserCores, double MachineBusyCores, int MachineCores)
{
    public static CpuSplit Between(CpuReading start, CpuReading end) => new(
        end.Wall - start.Wall, (end.Dashboard - start.Dashboard) / (end.Wall - start.Wall), (end.Browser - start.Browser) / (end.Wall - start.Wall),
        (end.MachineBusy - start.MachineBusy) / (end.Wall - start.Wall), Environment.ProcessorCount);
}

/// <summary>CPU seconds charged so far to the dashboard, the browser and the machine, at <paramref name="Wall"/> seconds.</summary>
public sealed record CpuReading(double Wall, double Dashboard, double Browser, double MachineBusy)
{
    private static readonly Stopwatch Clock = Stopwatch.StartNew();

    public static CpuReading Take(int dashboard, int browser) =>
        new(Clock.Elapsed.TotalSeconds, ProcessCpu.Seconds(dashboard), ProcessCpu.TreeSeconds(browser), ProcessCpu.Machine().Busy);
}

/// <summary>What one open run page receives over its circuit (WebSocket frames from the dashboard) while it only streams.</summary>
public sealed record PageTraffic(double FramesPerSecond, double KiBPerSecond, double LargestFrameKiB);

/// <summary>The dashboard's resident memory (MiB), its open circuits, where the CPU went and the page actions' timings.</summary>
public sealed record DashboardMemoryResult(
    double AfterStartMiB, double WithPagesMiB, double EndMiB, double PeakMiB,
    int Pages, int PagesStreaming, int PagesSampled, IReadOnlyList<PageActionTimes> Actions,
    CpuSplit Streaming, CpuSplit DuringActions, PageTraffic Traffic);

/// <summary>
/// Part two of <c>mot bench memory</c>: the real dashboard in its all-in-one mode (child process, co-hosted silo, simulated
/// executor, its own SQLite store) with <c>Trainings</c> runs training; headless chromium opens <c>Pages</c> run pages, each a
/// live Blazor circuit streaming its run's curves; then one more page times the actions a person makes meanwhile: apply a
/// filter on the Runs page (and clear it), open a run from the grid, go back to the Runs page. Times are taken in the page
/// (performance.now) from the input to the DOM showing the result. A filter is applied with Enter, as someone who has
/// finished typing does; typing and pausing instead waits out the box's 300 ms debounce, timed in a row of its own.
/// Where the CPU goes is read from /proc over a hold while the pages only stream and over the actions: the dashboard
/// process (with its co-hosted silo) against the browser and all its renderers. Headless chromium, like a browser window,
/// reports every tab but the one in front as hidden (document.visibilityState); the flags below only stop it from
/// throttling their timers, so a hidden page does all the work its own code chooses to do.
/// </summary>
internal sealed class DashboardMemoryBenchmark(MemoryBenchmarkSettings settings)
{
    private const string Admin = "admin", Password = "bench-memory-admin";
    private const string FilterInput = "(document.querySelector('[data-testid=run-filter] input') || document.querySelector('input[data-testid=run-filter]'))";
    private const string RunLinks = "document.querySelectorAll('[data-testid=run-link]').length";
    private static readonly TimeSpan ActionTimeout = TimeSpan.FromSeconds(90);

    public async Task<DashboardMemoryResult> RunAsync(Action<string> progress, CancellationToken cancellationToken)
    {
        var dll = LocateDashboard();
        var root = Path.Combine(Path.GetTempPath(), "mot-bench-memory-dashboard-" + Guid.NewGuid().ToString("N")[..8]);
        Directory.CreateDirectory(root);
        var (httpPort, siloPort, gatewayPort) = (PlatformProcess.FreePort(), PlatformProcess.FreePort(), PlatformProcess.FreePort());
        var baseUrl = $"http://127.0.0.1:{httpPort}";
        progress($"starting the dashboard (all-in-one, {settings.Trainings} CPU slot(s), simulated executor)");
        try
        {
            // The project folder as working directory, as `dotnet run` would: the static assets resolve from there.
            var projectFolder = Path.GetFullPath(Path.Combine(Path.GetDirectoryName(dll)!, "..", "..", ".."));
            await using var dashboard = PlatformProcess.Start(dll, projectFolder,
            [
                $"--urls={baseUrl}",
                $"--Silo:SiloPort={siloPort}", $"--Silo:PrimarySiloPort={siloPort}", $"--Silo:GatewayPort={gatewayPort}", $"--Silo:Name=bench-dashboard-{siloPort}",
                $"--Database:DataDirectory={root}", $"--GpuSlots:OutputRoot={Path.Combine(root, "runs")}",
                $"--GpuSlots:CpuSlots={settings.Trainings}", "--GpuSlots:CudaDevices=0", "--GpuSlots:ProgressInterval=00:00:00.500",
                "--Training:Executor=simulated",
                $"--Dashboard:SeedAdmin:Password={Password}", "--Dashboard:SeedAdmin:MustChangePassword=false",
            ]);
            await WaitForLoginPageAsync(baseUrl, dashboard, cancellationToken);
            await using var client = await BenchClusterClient.ConnectAsync(gatewayPort, dashboard, cancellationToken);
            await client.WaitForSlotsAsync(settings.Trainings, dashboard, cancellationToken);
            var afterStart = ProcessMemory.Read(dashboard.Id).ResidentMiB;

            progress($"starting {settings.Trainings} training run(s) and queueing 30 more");
            var trainings = await client.CreateRunsAsync(settings.Trainings, MemoryBenchmarkSettings.TrainingConfig(), Admin, cancellationToken);
            await client.WaitTrainingAsync(trainings, cancellationToken);
            await client.CreateRunsAsync(30, MemoryBenchmarkSettings.QueuedConfig(), Admin, cancellationToken);

            await using var browser = await DevToolsBrowser.LaunchAsync(settings.Chromium, cancellationToken);
            var actor = await browser.NewPageAsync("about:blank", cancellationToken);
            await SignInAsync(browser, actor, baseUrl, cancellationToken);

            progress($"opening {settings.Pages} run pages (live circuits)");
            // All pages load at once (as tabs a person restores would); each must reach its live circuit.
            var pages = new List<string>();
            for (var i = 0; i < settings.Pages; i++)
                pages.Add(await browser.NewPageAsync($"{baseUrl}/runs/{trainings[i % trainings.Count]}", cancellationToken));
            for (var i = 0; i < pages.Count; i++)
            {
                await Require(browser.WaitForAsync(pages[i], "document.querySelector('[data-testid=interactive]') && document.querySelector('[data-testid=step]')", TimeSpan.FromMinutes(5), cancellationToken),
                    $"run page {i + 1} of {pages.Count} did not become interactive within 5 minutes");
            }

            var withPages = ProcessMemory.Read(dashboard.Id).ResidentMiB;
            var (sampled, streaming) = await CountStreamingAsync(browser, pages, cancellationToken);

            var states = new List<string>();
            foreach (var page in pages) states.Add((await browser.EvaluateAsync(page, "document.visibilityState", cancellationToken))!.GetValue<string>());
            progress($"the browser reports the open run pages as: {string.Join(", ", states.CountBy(s => s).Select(c => $"{c.Value} {c.Key}"))}");
            progress($"watching the streaming pages for {settings.HoldSeconds} s (CPU of the dashboard and of the browser, one page's circuit traffic)");
            var (holding, traffic) = await ProfileStreamingAsync(browser, dashboard.Id, pages[^1], settings.HoldSeconds, cancellationToken);

            progress($"timing page actions ({settings.Actions} of each) while the pages stream");
            // A person acts in the tab in front; the run pages opened after it are then background tabs.
            await browser.BringToFrontAsync(actor, cancellationToken);
            progress($"the acting page is {(await browser.EvaluateAsync(actor, "document.visibilityState", cancellationToken))!.GetValue<string>()}");
            var beforeActions = CpuReading.Take(dashboard.Id, browser.ProcessId);
            var actions = await TimeActionsAsync(browser, actor, baseUrl, settings.Trainings, cancellationToken);
            var duringActions = CpuSplit.Between(beforeActions, CpuReading.Take(dashboard.Id, browser.ProcessId));
            var (end, peak) = ProcessMemory.Read(dashboard.Id);
            return new DashboardMemoryResult(afterStart, withPages, end, peak, pages.Count, streaming, sampled, actions, holding, duringActions, traffic);
        }
        finally
        {
            try { Directory.Delete(root, recursive: true); } catch (IOException) { } catch (UnauthorizedAccessException) { }
        }
    }

    private async Task<IReadOnlyList<PageActionTimes>> TimeActionsAsync(DevToolsBrowser browser, string page, string baseUrl, int trainings, CancellationToken cancellationToken)
    {
        await browser.NavigateAsync(page, $"{baseUrl}/runs", cancellationToken);
        await Require(browser.WaitForAsync(page, $"document.querySelector('[data-testid=interactive]') && {FilterInput} && {RunLinks} > 0", TimeSpan.FromMinutes(1), cancellationToken),
            "the Runs page did not show runs within a minute");
        var filter = new List<double>();
        var paused = new List<double>();
        var open = new List<double>();
        var back = new List<double>();
        for (var i = 0; i < settings.Actions; i++)
        {
            // Filter to the running runs (exactly the trainings are left), then clear it (a full page of runs again).
            var full = (await browser.EvaluateAsync(page, RunLinks, cancellationToken))!.GetValue<int>();
            filter.Add(await TimeAsync(browser, page, Type("status = Running") + ";" + Enter, $"{RunLinks} === {trainings}", "filter to the running runs", cancellationToken));
            filter.Add(await TimeAsync(browser, page, Type("") + ";" + Enter, $"{RunLinks} === {full}", "clear the filter", cancellationToken));
            paused.Add(await TimeAsync(browser, page, Type("status = Running"), $"{RunLinks} === {trainings}", "filter to the running runs (typing)", cancellationToken));
            paused.Add(await TimeAsync(browser, page, Type(""), $"{RunLinks} === {full}", "clear the filter (typing)", cancellationToken));
            open.Add(await TimeAsync(browser, page, "document.querySelector('[data-testid=run-link]').click()",
                "location.pathname.startsWith('/runs/') && document.querySelector('[data-testid=run-title]') && document.querySelector('[data-testid=step]')", "open a run", cancellationToken));
            back.Add(await TimeAsync(browser, page, "document.querySelector('a[href=\"/runs\"]').click()",
                $"location.pathname === '/runs' && !document.querySelector('[data-testid=run-title]') && {RunLinks} > 0", "go back to the Runs page", cancellationToken));
        }

        return
        [
            new PageActionTimes("apply or clear a filter (Enter)", filter.Order().ToList()),
            new PageActionTimes("open a run from the grid", open.Order().ToList()),
            new PageActionTimes("back to the Runs page", back.Order().ToList()),
            new PageActionTimes("all actions", filter.Concat(open).Concat(back).Order().ToList()),
            new PageActionTimes("same filters typed, 300 ms debounce incl.", paused.Order().ToList(), Judged: false),
        ];
    }

    /// <summary>Presses Enter in the filter box (applies what was typed without waiting for the debounce).</summary>
    private const string Enter = $"{FilterInput}.dispatchEvent(new KeyboardEvent('keydown', {{ key: 'Enter', code: 'Enter', bubbles: true }}))";

    /// <summary>Sets the filter box as typing would (an input event; the box debounces it).</summary>
    private static string Type(string text) =>
        $"(() => {{ const box = {FilterInput}; const set = Object.getOwnPropertyDescriptor(HTMLInputElement.prototype, 'value').set; " +
        $"set.call(box, {JsonValue.Create(text).ToJsonString()}); box.dispatchEvent(new Event('input', {{ bubbles: true }})); }})()";

    /// <summary>Runs <paramref name="act"/> in the page and resolves with the milliseconds until <paramref name="done"/> holds.</summary>
    private static async Task<double> TimeAsync(DevToolsBrowser browser, string page, string act, string done, string what, CancellationToken cancellationToken)
    {
        var script = $"(() => {{ const t0 = performance.now(); {act}; return {DevToolsBrowser.Until(done, (int)ActionTimeout.TotalMilliseconds)}.then(ms => ms < 0 ? -1 : performance.now() - t0); }})()";
        var ms = (await browser.EvaluateAsync(page, script, cancellationToken))!.GetValue<double>();
        if (ms >= 0) return ms;
        var state = await browser.EvaluateAsync(page, $"location.pathname + ' showing ' + {RunLinks} + ' run link(s)'", cancellationToken);
        throw new TimeoutException($"page action '{what}' did not complete within {ActionTimeout.TotalSeconds:F0} s (the page is at {state})");
    }

    /// <summary>
    /// Holds while the pages only stream: the cores the dashboard and the browser keep busy, and the frames one page's
    /// circuit receives (a Blazor circuit is one WebSocket; binary frames come base64-encoded, so their size is 3/4 of it).
    /// </summary>
    private static async Task<(CpuSplit Cpu, PageTraffic Traffic)> ProfileStreamingAsync(DevToolsBrowser browser, int dashboard, string page, int seconds,
        CancellationToken cancellationToken)
    {
        long frames = 0, bytes = 0, largest = 0;
        void Count(string method, string? session, JsonObject parameters)
        {
            if (method != "Network.webSocketFrameReceived" || session != page || parameters["response"] is not JsonObject frame) return;
            var payload = frame["payloadData"]?.GetValue<string>() ?? "";
            long size = frame["opcode"]?.GetValue<double>() == 2 ? payload.Length * 3L / 4 : payload.Length;
            Interlocked.Increment(ref frames);
            Interlocked.Add(ref bytes, size);
            if (size > Interlocked.Read(ref largest)) Interlocked.Exchange(ref largest, size);
        }

        browser.Event += Count;
        try
        {
            await browser.WatchNetworkAsync(page, cancellationToken);
            var start = CpuReading.Take(dashboard, browser.ProcessId);
            var (frames0, bytes0) = (Interlocked.Read(ref frames), Interlocked.Read(ref bytes));
            await Task.Delay(TimeSpan.FromSeconds(Math.Max(1, seconds)), cancellationToken);
            var end = CpuReading.Take(dashboard, browser.ProcessId);
            var split = CpuSplit.Between(start, end);
            return (split, new PageTraffic((Interlocked.Read(ref frames) - frames0) / split.Seconds,
                (Interlocked.Read(ref bytes) - bytes0) / 1024.0 / split.Seconds, Interlocked.Read(ref largest) / 1024.0));
        }
        finally
        {
            browser.Event -= Count;
        }
    }

    /// <summary>How many of (up to 10 of) the pages show their run's step advancing over a few seconds once brought to the
    /// front (a background tab need not redraw; the one a person looks at must stream).</summary>
    private static async Task<(int Sampled, int Streaming)> CountStreamingAsync(DevToolsBrowser browser, IReadOnlyList<string> pages, CancellationToken cancellationToken)
    {
        var sample = pages.Where((_, i) => i % Math.Max(1, pages.Count / 10) == 0).Take(10).ToList();
        const string step = "parseInt(document.querySelector('[data-testid=step]').textContent.replace(/[^0-9 ]/g, '').trim().split(' ')[0] || '-1')";
        var streaming = 0;
        foreach (var page in sample)
        {
            await browser.BringToFrontAsync(page, cancellationToken);
            // Shown, the page catches up at once; then it must keep advancing.
            await browser.WaitForAsync(page, "document.visibilityState === 'visible'", TimeSpan.FromSeconds(10), cancellationToken);
            await Task.Delay(TimeSpan.FromSeconds(1), cancellationToken);
            var first = (await browser.EvaluateAsync(page, step, cancellationToken))!.GetValue<int>();
            if (await browser.WaitForAsync(page, $"{step} > {first}", TimeSpan.FromSeconds(20), cancellationToken)) streaming++;
        }

        // The page whose traffic is measured is the one in front; the others are background tabs, as in a browser window.
        await browser.BringToFrontAsync(pages[^1], cancellationToken);
        return (sample.Count, streaming);
    }

    private static async Task SignInAsync(DevToolsBrowser browser, string page, string baseUrl, CancellationToken cancellationToken)
    {
        await browser.NavigateAsync(page, $"{baseUrl}/login", cancellationToken);
        await Require(browser.WaitForAsync(page, "document.querySelector('#userName') && document.querySelector('#sign-in')", TimeSpan.FromMinutes(1), cancellationToken),
            "the sign-in page did not load within a minute");
        await browser.EvaluateAsync(page,
            "(() => { const set = Object.getOwnPropertyDescriptor(HTMLInputElement.prototype, 'value').set; " +
            $"for (const [id, v] of [['#userName', '{Admin}'], ['#password', '{Password}']]) {{ const e = document.querySelector(id); set.call(e, v); " +
            "e.dispatchEvent(new Event('input', { bubbles: true })); e.dispatchEvent(new Event('change', { bubbles: true })); } " +
            "document.querySelector('#sign-in').click(); })()", cancellationToken);
        await Require(browser.WaitForAsync(page, "location.pathname === '/runs' && document.querySelector('[data-testid=interactive]')", TimeSpan.FromMinutes(1), cancellationToken),
            "signing in as the seeded admin did not reach the Runs page within a minute");
    }

    private static async Task WaitForLoginPageAsync(string baseUrl, PlatformProcess dashboard, CancellationToken cancellationToken)
    {
        using var http = new HttpClient(new HttpClientHandler { AllowAutoRedirect = false });
        var deadline = Stopwatch.StartNew();
        while (deadline.Elapsed < TimeSpan.FromMinutes(3))
        {
            dashboard.ThrowIfExited("the dashboard");
            try
            {
                if ((await http.GetAsync($"{baseUrl}/login", cancellationToken)).StatusCode == HttpStatusCode.OK) return;
            }
            catch (HttpRequestException)
            {
            }

            await Task.Delay(500, cancellationToken);
        }

        throw new TimeoutException($"the dashboard did not answer on {baseUrl} within 3 minutes");
    }

    private static async Task Require(Task<bool> condition, string failure)
    {
        if (!await condition) throw new TimeoutException(failure);
    }

    private string LocateDashboard()
    {
        if (settings.DashboardDll is { } given)
            return File.Exists(given) ? Path.GetFullPath(given) : throw new InvalidOperationException($"--dashboard-dll: {given} does not exist");
        var root = PlatformProcess.RepositoryRoot(AppContext.BaseDirectory)
                   ?? throw new InvalidOperationException("--dashboard-dll: name the built MoT.Dashboard.dll (no MoT.Platform.sln above this program)");
        var configuration = AppContext.BaseDirectory.Contains($"{Path.DirectorySeparatorChar}Debug{Path.DirectorySeparatorChar}", StringComparison.Ordinal) ? "Debug" : "Release";
        var dll = Path.Combine(root, "web", "MoT.Dashboard", "bin", configuration, "net10.0", "MoT.Dashboard.dll");
        return File.Exists(dll) ? dll : throw new InvalidOperationException(
            $"{dll} is missing: build it first (dotnet build web/MoT.Dashboard -c {configuration}) or pass --dashboard-dll");
    }
}
