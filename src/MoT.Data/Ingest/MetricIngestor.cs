namespace MoT.Data.Ingest;

/// <summary>
/// Buffers metric points, writes them in batches through the provider's bulk writer, and keeps them while the
/// database is down: a background loop retries with exponential backoff, batches are written in arrival order
/// (so a later value for the same key wins), and nothing is dropped — when the bound is reached new writes are
/// refused with <see cref="MetricBufferFullException"/>.
/// </summary>
public sealed class MetricIngestor : IMetricSink, IAsyncDisposable
{
    /// <summary>Longest metric name the schema stores.</summary>
    public const int MaxNameLength = 128;

    private readonly IMetricBatchWriter _writer;
    private readonly MetricIngestorOptions _options;
    private readonly TimeProvider _time;
    private readonly object _gate = new();
    private readonly LinkedList<MetricPointRecord[]> _sealed = new();
    private readonly List<MetricPointRecord> _rejected = [];
    private List<MetricPointRecord> _current;
    private int _buffered;
    private readonly SemaphoreSlim _flushLock = new(1, 1);
    private readonly SemaphoreSlim _batchReady = new(0, int.MaxValue);
    private readonly CancellationTokenSource _stopping = new();
    private Task? _loop;
    private Exception? _lastError;
    private DateTime? _failingSince;
    private IAsyncDisposable? _ownedWriter;
    private Task? _disposal;

    public MetricIngestor(IMetricBatchWriter writer, MetricIngestorOptions options, TimeProvider? time = null)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(options.BatchSize, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(options.MaxBufferedPoints, options.BatchSize);
        _writer = writer;
        _options = options;
        _time = time ?? TimeProvider.System;
        _current = new List<MetricPointRecord>(options.BatchSize);
    }

    /// <summary>An ingestor with its own bulk writer for <paramref name="database"/>, released on dispose.</summary>
    public static MetricIngestor Create(MotDataOptions database, MetricIngestorOptions options, TimeProvider? time = null)
    {
        var writer = MetricBatchWriter.Create(database);
        return new MetricIngestor(writer, options, time) { _ownedWriter = writer as IAsyncDisposable };
    }

    /// <summary>Points accepted but not yet in the database.</summary>
    public int BufferedPoints { get { lock (_gate) return _buffered; } }

    /// <summary>Points set aside because their run does not exist; counted against the buffer bound until taken.</summary>
    public IReadOnlyList<MetricPointRecord> TakeRejected()
    {
        lock (_gate)
        {
            var taken = _rejected.ToArray();
            _rejected.Clear();
            return taken;
        }
    }

    /// <summary>The last store error while points are waiting; null once a flush succeeds.</summary>
    public Exception? LastError { get { lock (_gate) return _lastError; } }

    public ValueTask WriteAsync(IReadOnlyList<MetricPointRecord> points, CancellationToken cancellationToken = default)
    {
        if (points.Count == 0) return ValueTask.CompletedTask;
        // A caller's mistake must fail here, loudly, not later as a batch the database refuses forever.
        for (var i = 0; i < points.Count; i++)
        {
            var name = points[i].Name;
            if (string.IsNullOrEmpty(name) || name.Length > MaxNameLength)
                throw new ArgumentException(
                    $"metric point {i} (run {points[i].RunId}, step {points[i].Step}) has a name of length " +
                    $"{name?.Length ?? 0}; names are 1..{MaxNameLength} characters. Nothing of this call was taken.",
                    nameof(points));
        }
        var sealedAny = false;
        lock (_gate)
        {
            ObjectDisposedException.ThrowIf(_disposal is not null, this);
            if (_buffered + _rejected.Count + points.Count > _options.MaxBufferedPoints)
            {
                var since = _failingSince is { } t ? $" since {t:O}" : "";
                throw new MetricBufferFullException(
                    $"Metric buffer full: {_buffered} points are waiting for the database (bound " +
                    $"{_options.MaxBufferedPoints}, {_rejected.Count} more rejected for unknown runs and not yet taken); " +
                    $"{points.Count} new points were NOT accepted. " +
                    $"The store has been failing{since}: {_lastError?.Message ?? "writes are slower than arrivals"}",
                    _lastError);
            }
            foreach (var point in points)
            {
                _current.Add(point);
                if (_current.Count == _options.BatchSize)
                {
                    _sealed.AddLast([.. _current]);
                    _current.Clear();
                    sealedAny = true;
                }
            }
            _buffered += points.Count;
            _loop ??= Task.Run(BackgroundLoopAsync);
        }
        if (sealedAny) _batchReady.Release();
        return ValueTask.CompletedTask;
    }

    /// <summary>Convenience for a single point.</summary>
    public ValueTask WriteAsync(MetricPointRecord point, CancellationToken cancellationToken = default) =>
        WriteAsync([point], cancellationToken);

    public async Task FlushAsync(CancellationToken cancellationToken = default)
    {
        lock (_gate) SealCurrent();
        await FlushSealedAsync(cancellationToken);
        lock (_gate)
        {
            // Whoever hit the rejection (this flush or the background loop), the caller hears of it until it takes them.
            if (_rejected.Count > 0)
                throw new MetricBatchRejectedException(_rejected.Select(p => p.RunId).ToHashSet(), _rejected.Count);
        }
    }

    private void SealCurrent()
    {
        if (_current.Count == 0) return;
        _sealed.AddLast([.. _current]);
        _current.Clear();
    }

    private async Task FlushSealedAsync(CancellationToken cancellationToken)
    {
        await _flushLock.WaitAsync(cancellationToken);
        try
        {
            while (true)
            {
                MetricPointRecord[] batch;
                lock (_gate)
                {
                    if (_sealed.First is not { } head)
                        break;
                    batch = head.Value;
                }
                try
                {
                    await _writer.WriteAsync(batch, cancellationToken);
                }
                catch (MetricBatchRejectedException rejected)
                {
                    // Not an outage: set the unknown runs' points aside, retry the rest of the batch at once.
                    lock (_gate)
                    {
                        var unknown = rejected.UnknownRuns as ISet<Guid> ?? rejected.UnknownRuns.ToHashSet();
                        var keep = batch.Where(p => !unknown.Contains(p.RunId)).ToArray();
                        _rejected.AddRange(batch.Where(p => unknown.Contains(p.RunId)));
                        _buffered -= batch.Length - keep.Length;
                        _sealed.RemoveFirst();
                        if (keep.Length > 0) _sealed.AddFirst(keep);
                    }
                    continue;
                }
                catch (Exception ex) when (ex is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
                {
                    int waiting;
                    lock (_gate)
                    {
                        _lastError = ex;
                        _failingSince ??= _time.GetUtcNow().UtcDateTime;
                        waiting = _buffered;
                    }
                    throw new MetricStoreUnavailableException(
                        $"Metric store unavailable ({ex.GetType().Name}: {ex.Message}); {waiting} points stay " +
                        "buffered and will be written when it is back.", ex);
                }
                lock (_gate)
                {
                    _sealed.RemoveFirst();
                    _buffered -= batch.Length;
                    _lastError = null;
                    _failingSince = null;
                }
            }
        }
        finally
        {
            _flushLock.Release();
        }
    }

    private async Task BackgroundLoopAsync()
    {
        TimeSpan? retryDelay = null;
        var token = _stopping.Token;
        while (!token.IsCancellationRequested)
        {
            try
            {
                if (retryDelay is { } backoff)
                    await Task.Delay(backoff, _time, token); // store failing: honour the backoff, not arrivals
                else
                    await _batchReady.WaitAsync(_options.FlushInterval, token);
            }
            catch (OperationCanceledException) { return; }

            try
            {
                // Partial batches go out on the interval; full ones as soon as they are sealed.
                lock (_gate) SealCurrent();
                await FlushSealedAsync(token);
                retryDelay = null;
            }
            catch (MetricStoreUnavailableException)
            {
                retryDelay = retryDelay is { } previous
                    ? TimeSpan.FromTicks(Math.Min(previous.Ticks * 2, _options.MaxRetryDelay.Ticks))
                    : _options.InitialRetryDelay;
            }
            catch (OperationCanceledException) when (token.IsCancellationRequested) { return; }
        }
    }

    /// <summary>
    /// Stops the background loop and makes one last flush attempt. If the store is still unreachable, throws
    /// <see cref="MetricsNotWrittenException"/> carrying the unwritten points, so shutdown never loses them silently.
    /// Idempotent: a host may dispose the ingestor once per registration; later calls wait for the first and do not
    /// repeat its error (its caller has it).
    /// </summary>
    public async ValueTask DisposeAsync()
    {
        Task disposal;
        bool first;
        lock (_gate)
        {
            first = _disposal is null;
            _disposal ??= DisposeOnceAsync();
            disposal = _disposal;
        }

        if (first)
        {
            await disposal;
        }
        else
        {
            await disposal.ContinueWith(_ => { }, TaskScheduler.Default);
        }
    }

    /// <summary>True once disposal began; writes after that are refused.</summary>
    public bool IsDisposed { get { lock (_gate) return _disposal is not null; } }

    private async Task DisposeOnceAsync()
    {
        await Task.Yield(); // run outside the caller's lock
        await _stopping.CancelAsync();
        if (_loop is { } loop)
            await loop;
        try
        {
            if (BufferedPoints > 0)
                await FlushAsync();
        }
        catch (MetricStoreUnavailableException unavailable)
        {
            MetricPointRecord[] unwritten;
            lock (_gate) unwritten = [.. _sealed.SelectMany(batch => batch)];
            throw new MetricsNotWrittenException(
                $"Metric ingestor shut down while the store was unreachable; {unwritten.Length} points were not " +
                $"written and are attached to this exception. Last error: {unavailable.InnerException?.Message}",
                unavailable, unwritten);
        }
        finally
        {
            if (_ownedWriter is not null) await _ownedWriter.DisposeAsync();
            _stopping.Dispose();
            _flushLock.Dispose();
            _batchReady.Dispose();
        }
    }
}
