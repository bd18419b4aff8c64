"""Common first names in England, for spotting a full name in free text.

Deliberately modest: the most common given names of adults and children, not an
exhaustive list. Names that are also everyday words or places ("Will", "May", "Mark",
"Hope", "Grace", "Rose", "Sue", "Bill", "Victoria") are left out, so that ordinary
sentences and Doncaster services (Sue Ryder, Victoria Road) are not refused. A name is
only flagged when it is followed by a capitalised surname (see grants/identifiers.py).
"""

FIRST_NAMES = frozenset(
    """
    Aaron Abigail Adam Aisha Alan Albert Alex Alexander Alfie Alice Alison Amanda Amelia Amy
    Andrew Angela Ann Anna Anne Anthony Archie Arthur Ashley Ava Barbara Barry Ben Benjamin
    Beth Bethany Brian Callum Carl Carol Caroline Catherine Charlie Charlotte Chelsea Chloe
    Chris Christine Christopher Claire Colin Connor Craig Daisy Daniel Danielle Darren David
    Dean Debbie Deborah Dennis Diane Donna Dylan Edward Eleanor Elizabeth Ella Ellie Emily
    Emma Eric Ethan Evie Freddie Freya Gary Gemma George Georgia Graham Hannah Harry Harvey
    Helen Henry Ian Isabella Isla Isaac Jack Jacob Jade James Jamie Jane Janet Jason Jayden
    Jennifer Jessica Joan Joanne Joe John Jonathan Joseph Joshua Julie Karen Kate Katie
    Keith Kelly Kevin Kieran Kyle Laura Lauren Leah Lee Leo Lewis Liam Lily Linda Lisa Logan
    Louise Lucy Luke Lydia Maisie Margaret Maria Martin Mary Matthew Megan Melissa Michael
    Michelle Mohammed Muhammad Nathan Neil Nicola Nicole Niamh Noah Oliver Olivia Oscar Paul
    Paula Peter Philip Phoebe Poppy Rachel Rebecca Richard Robert Ryan Sally Samantha Samuel
    Sandra Sarah Scott Sean Sharon Shaun Sophie Stephen Steven Stuart Susan Thomas Tracey
    Tracy Tyler William Zara Zoe
    """.split()
)

# Common surnames in England that are not also everyday words (no "Green", "White",
# "Wood", "Hall", "Baker"...). A first name followed by one of these is a full name even
# when written in lower case ("john smith"); a lower-case first name followed by any other
# lower-case word is not, so that ordinary sentences pass.
SURNAMES = frozenset(
    """
    smith jones williams taylor davies evans wilson thomas johnson roberts robinson
    thompson edwards hughes lewis harris clarke patel jackson morris clark harrison morgan
    allen james scott phillips watson davis bennett griffiths mitchell kelly richardson
    bailey collins murphy miller richards khan anderson simpson ellis adams singh begum
    wilkinson foster chapman powell rogers ali hussain campbell matthews owen holmes lloyd
    russell barker stevens jenkins murray dixon ahmed shah akhtar kaur hussein mahmood
    atkinson atkins bradley burton cartwright dawson fletcher gibson hamilton hancock
    hargreaves hopkins howard hudson johnston kennedy lambert lawrence marsden mcdonald
    newton nicholson o'brien o'neill pearson pickering reynolds robertson saunders
    stephenson sutton thornton townsend wainwright walsh warburton whitehead wilkins
    williamson woodward
    """.split()
)
