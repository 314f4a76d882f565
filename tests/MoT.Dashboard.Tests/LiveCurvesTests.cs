using System.Runtime.CompilerServices;
using System.Threading.Channels;
using Bunit;
using Microsoft.Extensions.Logging.Abstractions;
using MoT.Contracts.Runs;
using MoT.Dashboard.Components.Widgets.Charts;
using MoT.Dashboard.Runs;
using MoT.Silo.Training;

namespace MoT.Dashboard.Tests;

/// <summary>What a live run page sends the browser: chart views that only grow, so the new points alone can be sent.</summary>
public sealed class LiveChartViewTests
{
    [Fact]
    public void A_chart_view_grows_by_the_appended_points_and_stays_the_same_list_without_new_ones()
    {
        var curves = new CurveSet();
        for (var step = 0; step < 10; step++) curves.Add(MetricNames.TrainLoss, step, 10 - step);
        var first = curves.Get(MetricNames.TrainLoss);
        Assert.Same(first, curves.Get(MetricNames.TrainLoss));

        curves.Add(MetricNames.TrainLoss, 10, 0.5);
        curves.Add(MetricNames.TrainLoss, 11, 0.25);
        var grown = curves.Get(MetricNames.TrainLoss);
        Assert.Equal([.. first, (10.0, 0.5), (11.0, 0.25)], grown);
    }

    [Fact]
    public void A_point_read_again_with_the_same_value_leaves_the_view_as_it_is()
    {
        var curves = new CurveSet();
        for (var step = 0; step < 10; step++) curves.Add(MetricNames.TrainLoss, step, 10 - step);
        var first = curves.Get(MetricNames.TrainLoss);

        // A later store read overlaps the points the curve holds (the reads start after the oldest curve's last step).
        for (var step = 5; step < 10; step++) curves.Add(MetricNames.TrainLoss, step, 10 - step);

        Assert.Same(first, curves.Get(MetricNames.TrainLoss));
    }

    [Fact]
    public void An_earlier_step_written_again_redraws_the_view_from_the_stored_points()
    {
        var curves = new CurveSet();
        for (var step = 0; step < 10; step++) curves.Add(MetricNames.TrainLoss, step, 1.0);
        _ = curves.Get(MetricNames.TrainLoss);

        curves.Add(MetricNames.TrainLoss, 5, 7.0); // a resumed attempt trains step 5 again
        var view = curves.Get(MetricNames.TrainLoss);
        Assert.Equal(10, view.Count);
        Assert.Equal((5.0, 7.0), view[5]);
    }

    [Fact]
    public void A_view_watched_for_a_long_run_stays_within_the_budget_keeps_the_ends_and_extremes_and_mostly_appends()
    {
        const int budget = 100;
        var curves = new CurveSet();
        var random = new Random(3);
        var raw = new SortedDictionary<long, double>();
        IReadOnlyList<(double X, double Y)> previous = [];
        var appends = 0;
        var redraws = 0;
        for (var step = 0; step < 5_000; step++)
        {
            var value = step == 2_345 ? 50.0 : 3 * Math.Exp(-step / 2_000.0) + random.NextDouble() * 0.1; // one divergence spike
            curves.Add(MetricNames.TrainLoss, step, value);
            raw[step] = value;
            var view = curves.Get(MetricNames.TrainLoss, budget);

            Assert.InRange(view.Count, 1, budget);
            Assert.Equal((0.0, raw[0]), view[0]);
            Assert.Equal(((double)step, value), view[^1]);
            Assert.All(view, p => Assert.Equal(raw[(long)p.X], p.Y)); // only stored points, in step order
            Assert.True(view.Zip(view.Skip(1)).All(pair => pair.Second.X > pair.First.X));
            if (step >= 2_345) Assert.Contains((2_345.0, 50.0), view);

            if (previous.Count > 0 && view.Count > previous.Count && view.Take(previous.Count).SequenceEqual(previous)) appends++;
            else if (previous.Count > 0) redraws++;
            previous = view;
        }

        // Once over the budget, a full view is downsampled to three quarters of it: a redraw every quarter budget of points.
        Assert.InRange(redraws, 1, 5_000 / (budget / 4) + 1);
        Assert.True(appends > 20 * redraws, $"{appends} appends, {redraws} redraws");
    }
}

/// <summary>One subscription to a run's progress for all the pages watching it.</summary>
public sealed class RunLiveFeedsTests
{
    private static RunProgress Progress(long step) => new(step, 3.0, null, 1e-3, 1000, TimeSpan.Zero, null);

    /// <summary>A run's progress feed as the grain would give it: what the test writes, counting open subscriptions.</summary>
    private sealed class FakeRun
    {
        public Channel<RunProgress> Reports { get; } = Channel.CreateUnbounded<RunProgress>();
        public int Opened;
        public int Open;

        public async IAsyncEnumerable<RunProgress> WatchAsync([EnumeratorCancellation] CancellationToken cancellationToken)
        {
            Interlocked.Increment(ref Opened);
            Interlocked.Increment(ref Open);
            try
            {
                await foreach (var report in Reports.Reader.ReadAllAsync(cancellationToken)) yield return report;
            }
            finally
            {
                Interlocked.Decrement(ref Open);
            }
        }
    }

    private static async Task Until(Func<bool> condition, string what)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(30);
        while (!condition())
        {
            if (DateTime.UtcNow > deadline) Assert.Fail($"timed out waiting for {what}");
            await Task.Delay(10, Xunit.TestContext.Current.CancellationToken);
        }
    }

    [Fact]
    public async Task Pages_of_one_run_share_one_subscription_each_gets_every_report_and_the_last_to_leave_closes_it()
    {
        var run = new FakeRun();
        var feeds = new RunLiveFeeds((_, cancel) => run.WatchAsync(cancel), NullLogger<RunLiveFeeds>.Instance);
        using var stop = new CancellationTokenSource();
        var seen = new[] { new List<long>(), new List<long>() };
        var pages = seen.Select(list => Task.Run(async () =>
        {
            await foreach (var report in feeds.WatchAsync(Guid.Empty, stop.Token)) lock (list) list.Add(report.Step);
        })).ToList();
        await Until(() => feeds.Watchers == 2 && run.Open == 1, "both pages watching one subscription");

        for (var step = 1; step <= 5; step++) await run.Reports.Writer.WriteAsync(Progress(step), Xunit.TestContext.Current.CancellationToken);
        await Until(() => seen.All(list => { lock (list) return list.Count == 5; }), "both pages to get all 5 reports");
        Assert.All(seen, list => Assert.Equal([1L, 2, 3, 4, 5], list));
        Assert.Equal(1, run.Opened);

        await stop.CancelAsync();
        await Task.WhenAll(pages.Select(p => p.ContinueWith(_ => { }, Xunit.TestContext.Current.CancellationToken)));
        await Until(() => run.Open == 0 && feeds.Watchers == 0, "the subscription to close after the last page left");

        // A page opened later starts a new subscription.
        using var later = new CancellationTokenSource();
        var page = Task.Run(async () => { await foreach (var _ in feeds.WatchAsync(Guid.Empty, later.Token)) { } }, Xunit.TestContext.Current.CancellationToken);
        await Until(() => run.Opened == 2 && run.Open == 1, "a new subscription for a new page");
        await later.CancelAsync();
        await page.ContinueWith(_ => { }, Xunit.TestContext.Current.CancellationToken);
    }

    [Fact]
    public async Task When_the_run_feed_ends_every_page_watching_it_sees_the_end()
    {
        var run = new FakeRun();
        var feeds = new RunLiveFeeds((_, cancel) => run.WatchAsync(cancel), NullLogger<RunLiveFeeds>.Instance);
        var pages = Enumerable.Range(0, 3).Select(_ => Task.Run(async () =>
        {
            var count = 0;
            await foreach (var __ in feeds.WatchAsync(Guid.Empty)) count++;
            return count;
        })).ToList();
        await Until(() => feeds.Watchers == 3, "three pages watching");

        await run.Reports.Writer.WriteAsync(Progress(1), Xunit.TestContext.Current.CancellationToken);
        run.Reports.Writer.Complete(); // the run ended

        var counts = await Task.WhenAll(pages).WaitAsync(TimeSpan.FromSeconds(30), Xunit.TestContext.Current.CancellationToken);
        Assert.Equal([1, 1, 1], counts);
        Assert.Equal(0, feeds.Watchers);
    }
}

/// <summary>The chart wrapper sends the browser the new points of a live chart, nothing when nothing changed, and the
/// whole figure when anything but the points changed.</summary>
public sealed class LiveChartUpdateTests : MudComponentTests
{
    private IRenderedComponent<LineChart> Render(IReadOnlyList<(double X, double Y)> points, string title = "loss") =>
        Context.Render<LineChart>(p => p.Add(x => x.Series, [new ChartSeries("train loss", points)]).Add(x => x.Y, new ChartAxis(title)));

    private int Extends => Context.JSInterop.Invocations.Count(i => i.Identifier == "Plotly.extendTraces");

    [Fact]
    public void Appended_points_alone_are_sent_and_an_unchanged_chart_sends_nothing()
    {
        List<(double X, double Y)> points = [(0, 3.0), (1, 2.5)];
        var chart = Render(points);
        var before = Context.JSInterop.Invocations.Count;

        chart.Render(p => p.Add(x => x.Series, [new ChartSeries("train loss", [.. points, (2, 2.25)])]).Add(x => x.Y, new ChartAxis("loss")));
        var extend = Assert.Single(Context.JSInterop.Invocations, i => i.Identifier == "Plotly.extendTraces");
        var json = System.Text.Json.JsonSerializer.Serialize(extend.Arguments[1]);
        Assert.Equal("""{"x":[[2]],"y":[[2.25]]}""", json);
        Assert.Equal([0], (int[])extend.Arguments[2]!);

        var afterAppend = Context.JSInterop.Invocations.Count;
        chart.Render(p => p.Add(x => x.Series, [new ChartSeries("train loss", [.. points, (2, 2.25)])]).Add(x => x.Y, new ChartAxis("loss")));
        Assert.Equal(afterAppend, Context.JSInterop.Invocations.Count); // nothing new: no call at all
        Assert.True(afterAppend - before == 1, $"{afterAppend - before} calls for one appended point");
    }

    [Fact]
    public void A_changed_axis_or_rewritten_points_redraw_the_figure_instead()
    {
        List<(double X, double Y)> points = [(0, 3.0), (1, 2.5)];
        var chart = Render(points);
        chart.Render(p => p.Add(x => x.Series, [new ChartSeries("train loss", [(0, 3.0), (1, 2.4), (2, 2.25)])]).Add(x => x.Y, new ChartAxis("loss")));
        chart.Render(p => p.Add(x => x.Series, [new ChartSeries("train loss", [(0, 3.0), (1, 2.4), (2, 2.25), (3, 2.0)])]).Add(x => x.Y, new ChartAxis("loss (nats)")));
        Assert.Equal(0, Extends);
    }
}
