namespace MoT.Data.RunLogs;

/// <summary>
/// Buffers console lines from training threads and writes them in batches (<see cref="RunLogWriter"/>), like the metric
/// ingest: appending never waits for the database, a background loop writes what arrived every
/// <see cref="FlushInterval"/> (at once when a batch fills), and lines stay buffered, in order, while the store is down.
/// The buffer is bounded (<see cref="MaxBufferedLines"/>): past it new lines are counted in <see cref="DroppedLines"/>
/// and not kept, so a long outage cannot exhaust the silo's memory with log text.
/// </summary>
public sealed class RunLogIngestor : IAsyncDisposable
{
    public const int BatchSize = 2_000;
    public const int MaxBufferedLines = 200_000;
    public static readonly TimeSpan FlushInterval = TimeSpan.FromSeconds(1);
    private static readonly TimeSpan MaxRetryDelay = TimeSpan.FromSeconds(10);

    private readonly RunLogWriter _writer;
    private readonly Lock _gate = new();
    private readonly List<RunLogLineRecord> _pending = [];
    private readonly SemaphoreSlim _flushLock = new(1, 1);
    private readonly SemaphoreSlim _batchReady = new(0, int.MaxValue);
    private readonly CancellationTokenSource _stopping = new();
    private Task? _loop;
    private bool _disposed;
    private long _dropped;

    public RunLogIngestor(RunLogWriter writer) => _writer = writer;

    /// <summary>Lines accepted and not yet written.</summary>
    public int BufferedLines { get { lock (_gate) return _pending.Count; } }

    /// <summary>Lines never stored: buffer full while the store was down, unknown runs, or arriving after shutdown.</summary>
    public long DroppedLines => Interlocked.Read(ref _dropped);

    /// <summary>The last store error while lines wait; null once a write succeeds.</summary>
    public Exception? LastError { get; private set; }

    /// <summary>Queues one line; returns at once (called on training threads).</summary>
    public void Append(RunLogLineRecord line)
    {
        bool batchFull;
        lock (_gate)
        {
            if (_disposed || _pending.Count >= MaxBufferedLines)
            {
                _dropped++;
                return;
            }

            _pending.Add(line);
            batchFull = _pending.Count % BatchSize == 0;
            _loop ??= Task.Run(BackgroundLoopAsync);
        }

        if (batchFull) _batchReady.Release();
    }

    /// <summary>Writes everything appended so far. Throws the store's error when it is unreachable (the lines stay buffered).</summary>
    public async Task FlushAsync(CancellationToken cancellationToken = default)
    {
        await _flushLock.WaitAsync(cancellationToken);
        try
        {
            while (true)
            {
                RunLogLineRecord[] batch;
                lock (_gate)
                {
                    if (_pending.Count == 0) return;
                    batch = [.. _pending.Take(BatchSize)];
                }

                try
                {
                    var unknown = await _writer.WriteAsync(batch, cancellationToken);
                    Interlocked.Add(ref _dropped, unknown);
                    LastError = null;
                }
                catch (Exception error) when (error is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
                {
                    LastError = error;
                    throw;
                }

                // Appends only add at the end, so the written batch is still the head of the buffer.
                lock (_gate) _pending.RemoveRange(0, batch.Length);
            }
        }
        finally
        {
            _flushLock.Release();
        }
    }

    private async Task BackgroundLoopAsync()
    {
        var token = _stopping.Token;
        TimeSpan? retryDelay = null;
        while (!token.IsCancellationRequested)
        {
            try
            {
                if (retryDelay is { } backoff) await Task.Delay(backoff, token);
                else await _batchReady.WaitAsync(FlushInterval, token);
                await FlushAsync(token);
                retryDelay = null;
            }
            catch (OperationCanceledException) when (token.IsCancellationRequested)
            {
                return;
            }
            catch (Exception)
            {
                // Store unreachable (LastError has it): keep the lines and try again later, backing off.
                retryDelay = retryDelay is { } previous
                    ? TimeSpan.FromTicks(Math.Min(previous.Ticks * 2, MaxRetryDelay.Ticks))
                    : TimeSpan.FromMilliseconds(200);
            }
        }
    }

    /// <summary>Stops the loop and writes what is buffered (one try: an unreachable store at shutdown loses those lines,
    /// counted in <see cref="DroppedLines"/>).</summary>
    public async ValueTask DisposeAsync()
    {
        lock (_gate)
        {
            if (_disposed) return;
            _disposed = true;
        }

        await _stopping.CancelAsync();
        if (_loop is { } loop) await loop;
        try
        {
            await FlushAsync();
        }
        catch (Exception)
        {
            lock (_gate)
            {
                _dropped += _pending.Count;
                _pending.Clear();
            }
        }

        _stopping.Dispose();
    }
}
