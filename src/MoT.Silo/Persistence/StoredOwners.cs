using Microsoft.EntityFrameworkCore;
using MoT.Data;
using MoT.Data.Entities;

namespace MoT.Silo.Persistence;

/// <summary>Owners of runs and sweeps are users of the store: a row for an owner not seen before, written once.</summary>
internal static class StoredOwners
{
    public static async Task EnsureAsync(MotDbContext db, string owner, CancellationToken cancellationToken)
    {
        if (await db.Users.AnyAsync(u => u.Id == owner, cancellationToken)) return;
        db.Users.Add(new User { Id = owner, DisplayName = owner, CreatedAt = DateTime.UtcNow });
        try
        {
            await db.SaveChangesAsync(cancellationToken);
        }
        catch (DbUpdateException)
        {
            db.ChangeTracker.Clear();
            if (!await db.Users.AsNoTracking().AnyAsync(u => u.Id == owner, cancellationToken))
                throw;   // not the race with another run or sweep of the same owner inserting it first
        }
    }
}
